package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.BlobCheck;
import io.cachet.Cache;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.GcResult;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.Sha256;
import io.cachet.internal.commit.Commit;
import io.cachet.internal.commit.DirectorySync;
import io.cachet.internal.flight.SingleFlight;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.log.EventLog;
import io.cachet.internal.retry.Backoff;
import io.cachet.internal.retry.Retries;
import io.cachet.internal.store.Disk;
import io.cachet.internal.store.KeyId;
import io.cachet.internal.store.Permissions;
import io.cachet.internal.store.RefFile;
import io.cachet.internal.store.Store;
import io.cachet.internal.write.BufferPool;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link Cache}. A fetch reads top to bottom like DESIGN.md's diagram:
 *
 * <pre>
 * fetch ─▶ single flight (per request, this cache) ─▶ store lookup ── hit ─▶ Hit
 *                                                        │ miss
 *                                                        ▼
 *                  key lock (in-JVM table, then OS file lock polled with backoff)
 *                                                        ▼
 *                  store lookup again ── hit ─▶ Hit (WAITED if another holder just committed)
 *                                                        │ miss
 *                                                        ▼
 *                  {@link Download}: part file ─▶ origin ─▶ streaming write + SHA-256
 *                                    ─▶ verify ─▶ commit (force, move, fsync) ─▶ key record
 *                                                        ▼
 *                  release the lock ─▶ every caller gets the same Artifact
 * </pre>
 */
public final class Engine implements Cache {
    private static final Backoff LOCK_POLLING = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500), 2.0, 0.25);
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    final Settings settings;
    final Store store;
    final Permissions permissions;
    final Scheduler io;
    final IoThreads ioThreads;
    final Scheduler timer;
    final LockManager locks;
    final DirectorySync directories;
    final Commit commit;
    final BufferPool buffers = new BufferPool();
    final Retries retries;
    final Events events = new Events();
    final DoubleSupplier random;
    private final List<Origin> origins;
    private final SingleFlight<FlightKey, Artifact> flights = new SingleFlight<>();
    private final Map<KeyId, Long> lastTouch = new ConcurrentHashMap<>();
    private final HitMemo memo = new HitMemo();
    private volatile boolean closed;

    private Engine(Settings settings, Disk disk, DoubleSupplier random) {
        this.settings = settings;
        this.random = random;
        this.permissions = Permissions.of(settings.sharedWithGroup());
        this.store = Store.open(settings.root(), permissions, disk);
        this.ioThreads = settings.ioScheduler() == null ? IoThreads.owned() : IoThreads.on(settings.ioScheduler());
        this.io = ioThreads.scheduler;
        this.timer = settings.timer() == null ? Schedulers.parallel() : settings.timer();
        this.locks = new LockManager(
                store.layout().locks(), disk, permissions.lock(), ioThreads.executor, io, timer, LOCK_POLLING, random);
        this.directories = new DirectorySync(disk, io);
        this.commit = new Commit(store.layout(), disk, permissions, directories, io);
        this.retries = new Retries(settings.retryPolicy(), random);
        this.origins = settings.origins().isEmpty() ? discoverOrigins() : settings.origins();
        EventLog.attach(events.flux(), io);
    }

    /** Opens a cache on the real file system. */
    public static Engine start(Settings settings) {
        return new Engine(settings, Disk.REAL, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** Opens a cache whose file-system operations and randomness tests control. */
    public static Engine start(Settings settings, Disk disk, DoubleSupplier random) {
        return new Engine(settings, disk, random);
    }

    private static List<Origin> discoverOrigins() {
        List<Origin> found = new ArrayList<>();
        ServiceLoader.load(Origin.class, Engine.class.getClassLoader()).forEach(found::add);
        return List.copyOf(found);
    }

    // ---- Cache -----------------------------------------------------------------------------------

    @Override
    public Mono<Artifact> fetch(FetchRequest request) {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new IllegalStateException("this cache is closed"));
            }
            Origin origin = originFor(request.uri());
            if (origin == null) {
                return Mono.error(new InvalidRequestException(
                        "uri",
                        '"' + request.uri().getScheme() + ":...\"",
                        "no origin of this cache serves '" + request.uri().getScheme() + "' URIs; "
                                + ("file".equalsIgnoreCase(request.uri().getScheme())
                                        ? "add Origin.files() to the builder to allow local files"
                                        : "add an origin for it (cachet-reactor serves http and https)")));
            }
            Artifact known = Schedulers.isInNonBlockingThread() ? null : memo.hit(request);
            if (known != null) {
                touch(memo.id(request.key()));
                events.emit(new CacheEvent.Hit(request.key(), known));
                return Mono.just(known);
            }
            FlightKey key = new FlightKey(request.key(), request.uri(), request.sha256(), request.size());
            return flights.join(
                    key,
                    () -> flight(request, origin),
                    artifact -> artifact.source() == Artifact.Source.HIT
                            ? artifact
                            : artifact.withSource(Artifact.Source.WAITED));
        });
    }

    @Override
    public Flux<Artifact> fetchAll(Publisher<FetchRequest> requests, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        return Flux.from(requests).flatMapSequentialDelayError(this::fetch, concurrency, 1);
    }

    @Override
    public Flux<CacheEvent> events() {
        return events.flux();
    }

    @Override
    public Flux<CacheEntry> entries() {
        return Mono.fromCallable(store::refs)
                .subscribeOn(io)
                .flatMapIterable(refs -> refs)
                .map(stored -> {
                    RefFile ref = stored.ref();
                    Path blob = store.layout().blob(ref.sha256());
                    boolean present;
                    try {
                        present = store.hasBlob(ref.sha256(), ref.size());
                    } catch (IOException e) {
                        present = false;
                    }
                    return new CacheEntry(
                            ref.key(),
                            ref.url(),
                            ref.sha256(),
                            ref.size(),
                            blob,
                            stored.lastUsed(),
                            ref.pinned(),
                            present);
                });
    }

    @Override
    public Flux<BlobCheck> verify() {
        return new Maintenance(this).verify();
    }

    @Override
    public Mono<GcResult> gc(long maxBytes) {
        return new Maintenance(this).gc(maxBytes);
    }

    @Override
    public Path root() {
        return store.layout().root();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flights.cancelAll();
        locks.close();
        ioThreads.shutdown();
        events.complete();
    }

    // ---- the flight ------------------------------------------------------------------------------

    private Mono<Artifact> flight(FetchRequest request, Origin origin) {
        KeyId id = KeyId.of(request.key());
        Key key = request.key();
        return Mono.fromCallable(() -> lookup(request, id))
                .subscribeOn(io)
                .doOnNext(hit -> events.emit(new CacheEvent.Hit(key, hit)))
                .switchIfEmpty(Mono.defer(() -> locked(request, origin, id)))
                .doOnError(e -> {
                    if (e instanceof io.cachet.CachetException failure) {
                        events.emit(new CacheEvent.Failed(key, failure));
                    }
                });
    }

    private Mono<Artifact> locked(FetchRequest request, Origin origin, KeyId id) {
        WaitReporter waiting = new WaitReporter(this, request.key(), id);
        return Mono.usingWhen(
                locks.acquire(id, settings.lockTimeout(), waiting)
                        .onErrorResume(LockManager.TimedOut.class, t -> lockTimeout(request.key(), id, t.waited())),
                lease -> Mono.fromCallable(() -> lookup(request, id))
                        .subscribeOn(io)
                        .map(hit -> lease.waited() ? hit.withSource(Artifact.Source.WAITED) : hit)
                        .doOnNext(hit -> events.emit(new CacheEvent.Hit(request.key(), hit)))
                        .switchIfEmpty(Mono.defer(() -> new Download(this, request, origin, id).run())),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    private Mono<LockManager.Lease> lockTimeout(Key key, KeyId id, Duration waited) {
        return Mono.fromCallable(() -> {
                    Store.Holder holder = store.holder(id);
                    return new LockTimeoutException(
                            key,
                            store.layout().lockFile(id),
                            waited,
                            holder == null ? -1 : holder.owner().pid(),
                            holder == null ? -1 : holder.bytes(),
                            holder == null ? -1 : holder.total());
                })
                .subscribeOn(io)
                .flatMap(Mono::error);
    }

    /**
     * The artifact if the store already has what {@code request} asks for, else null. A pinned
     * request is satisfied by any blob with its digest, which is how two keys share one blob.
     */
    private @Nullable Artifact lookup(FetchRequest request, KeyId id) throws IOException {
        RefFile ref = store.readRef(id);
        Sha256 wanted = request.sha256();
        long size = request.size();
        if (ref != null && !ref.key().equals(request.key())) {
            ref = null; // A different key with the same id: impossible short of a SHA-256 collision.
        }
        if (ref != null
                && (wanted == null || wanted.equals(ref.sha256()))
                && (size == FetchRequest.UNKNOWN_SIZE || size == ref.size())
                && store.hasBlob(ref.sha256(), ref.size())) {
            if (wanted != null && !ref.pinned()) {
                store.writeRef(id, new RefFile(ref.key(), ref.url(), ref.sha256(), ref.size(), true));
            }
            touch(id);
            Artifact hit = new Artifact(
                    request.key(), store.layout().blob(ref.sha256()), ref.sha256(), ref.size(), Artifact.Source.HIT);
            memo.remember(id, hit, store.layout().ref(id));
            return hit;
        }
        long knownSize = size != FetchRequest.UNKNOWN_SIZE
                ? size
                : ref != null && wanted != null && wanted.equals(ref.sha256()) ? ref.size() : -1;
        if (wanted != null && store.hasBlob(wanted, knownSize)) {
            long actual = java.nio.file.Files.size(store.layout().blob(wanted));
            store.writeRef(id, new RefFile(request.key(), redact(request.uri()), wanted, actual, true));
            return new Artifact(request.key(), store.layout().blob(wanted), wanted, actual, Artifact.Source.HIT);
        }
        return null;
    }

    private void touch(KeyId id) {
        long now = System.nanoTime();
        Long last = lastTouch.get(id);
        if (last == null || now - last > TOUCH_INTERVAL_NANOS) {
            lastTouch.put(id, now);
            store.touch(id);
        }
    }

    private @Nullable Origin originFor(URI uri) {
        for (Origin origin : origins) {
            if (origin.supports(uri)) {
                return origin;
            }
        }
        return null;
    }

    static String redact(URI uri) {
        return OriginRequest.redact(uri);
    }

    // ---- for tests and maintenance ----------------------------------------------------------

    /** Flights running in this cache. */
    public int flightsInFlight() {
        return flights.size();
    }

    /** Locks this cache holds. */
    public int locksHeld() {
        return locks.heldCount();
    }

    /** The store, for tests and maintenance. */
    public Store store() {
        return store;
    }

    /** Called by a download once its key record is written. */
    void committed(KeyId id, Artifact artifact) {
        memo.remember(
                id, artifact.withSource(Artifact.Source.HIT), store.layout().ref(id));
    }

    long nowMillis() {
        return timer.now(TimeUnit.MILLISECONDS);
    }

    /** What makes two fetches the same flight: the credentials they carry do not. */
    private record FlightKey(Key key, URI uri, @Nullable Sha256 sha256, long size) {}
}
