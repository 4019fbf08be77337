package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.BlobCheck;
import io.cachet.Cache;
import io.cachet.CacheClosedException;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.GcResult;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.commit.Commit;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.flight.SingleFlight;
import io.cachet.internal.fs.Disk;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.maintenance.Maintenance;
import io.cachet.internal.retry.Backoff;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.Origin;
import io.cachet.spi.Text;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
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
 * The {@link Cache}. A fetch reads top to bottom like the design's diagram (docs/architecture.md):
 *
 * <pre>
 * fetch ─▶ memo of hits seen ── hit ─▶ Hit
 *   └▶ single flight (per request, this cache) ─▶ {@link Lookup} ── hit ─▶ Hit
 *        └▶ key lock (in-JVM table, then OS file lock polled with backoff) ─▶ {@link Lookup} again
 *             ── hit ─▶ Hit (WAITED if another holder just committed)
 *             ── the pinned blob is there ─▶ name it under the blob's lock ─▶ Hit
 *             ── miss ─▶ {@link Download} ─▶ {@link Commit} ─▶ Committed
 *        └▶ release the lock ─▶ every caller gets the same Artifact
 * </pre>
 */
public final class Engine implements Cache {
    private static final Backoff LOCK_POLLING = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500), 2.0, 0.25);
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Settings settings;
    private final Store store;
    private final IoThreads ioThreads;
    private final Scheduler io;
    private final Scheduler timer;
    private final LockManager locks;
    private final Commit commit;
    private final Lookup lookup;
    private final Download.Context downloads;
    private final Events events = new Events();
    private final List<Origin> origins;
    private final SingleFlight<FlightKey, Artifact> flights = new SingleFlight<>();
    private final Map<KeyId, Long> lastTouch = new ConcurrentHashMap<>();
    private final HitMemo memo = new HitMemo();
    private volatile boolean closed;

    private Engine(Settings settings, Disk disk, DoubleSupplier random) {
        this.settings = settings;
        this.store = Store.open(settings.root(), settings.sharedWithGroup(), disk);
        this.ioThreads = settings.ioScheduler() == null ? IoThreads.owned() : IoThreads.on(settings.ioScheduler());
        this.io = ioThreads.scheduler;
        this.timer = settings.timer() == null ? Schedulers.parallel() : settings.timer();
        this.locks = new LockManager(
                store.locks(), disk, store.lockMode(), ioThreads.executor, io, timer, LOCK_POLLING, random);
        this.commit = new Commit(store, io);
        this.lookup = new Lookup(store);
        this.downloads = new Download.Context(
                store,
                ioThreads.executor,
                io,
                timer,
                settings.idleTimeout(),
                settings.minBytesPerSecond(),
                settings.throughputWindow(),
                settings.maxArtifactSize(),
                settings.writeBufferSize(),
                settings.retryPolicy(),
                random,
                events::emit);
        this.origins = settings.origins().isEmpty() ? discoverOrigins() : settings.origins();
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
                return Mono.error(new CacheClosedException(store.root()));
            }
            Origin origin = originFor(request.uri());
            if (origin == null) {
                return Mono.error(noOrigin(request.uri()));
            }
            if (!request.mirrors().isEmpty() && !request.isPinned()) {
                return Mono.error(new InvalidRequestException(
                        "mirrors",
                        request.mirrors().size() + " mirror(s)",
                        "mirrors are only used for a pinned artifact, since only its digest proves that a mirror"
                                + " serves the same bytes; pin the SHA-256, or leave the mirrors out"));
            }
            Artifact known = Schedulers.isInNonBlockingThread() || request.verifyHit() ? null : memo.hit(request);
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
        return maintenance().entries();
    }

    @Override
    public Flux<BlobCheck> verify() {
        return maintenance().verify();
    }

    @Override
    public Mono<GcResult> gc(long maxBytes) {
        return maintenance().gc(maxBytes, Duration.ZERO);
    }

    @Override
    public Path root() {
        return store.root();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flights.cancelAll(() -> new CacheClosedException(store.root()));
        locks.close();
        ioThreads.shutdown();
        events.complete();
    }

    private Maintenance maintenance() {
        return new Maintenance(store, locks, io);
    }

    // ---- the flight ------------------------------------------------------------------------------

    private Mono<Artifact> flight(FetchRequest request, Origin origin) {
        KeyId id = KeyId.of(request.key());
        return Mono.fromCallable(() -> lookup.find(request, id))
                .subscribeOn(io)
                .flatMap(found ->
                        found instanceof Lookup.Outcome.Hit hit && hit.recordUpdate() == null && !request.verifyHit()
                                ? Mono.just(hit(id, request.uri(), hit.artifact()))
                                : locked(request, origin, id))
                .doOnError(e -> {
                    if (e instanceof CachetException failure) {
                        events.emit(new CacheEvent.Failed(request.key(), failure));
                    }
                });
    }

    private Mono<Artifact> locked(FetchRequest request, Origin origin, KeyId id) {
        WaitReporter waiting =
                new WaitReporter(store, request.key(), id, events, () -> timer.now(TimeUnit.MILLISECONDS));
        return Mono.usingWhen(
                locks.acquire(id.hex(), settings.lockTimeout(), waiting)
                        .onErrorResume(LockManager.TimedOut.class, t -> lockTimeout(request.key(), id, t.waited())),
                lease -> Mono.fromCallable(() -> lookup.find(request, id))
                        .subscribeOn(io)
                        .flatMap(found -> underLock(request, origin, id, found))
                        .map(artifact -> lease.waited() && artifact.source() == Artifact.Source.HIT
                                ? artifact.withSource(Artifact.Source.WAITED)
                                : artifact),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    private Mono<Artifact> underLock(FetchRequest request, Origin origin, KeyId id, Lookup.Outcome found) {
        if (found instanceof Lookup.Outcome.Hit hit) {
            Mono<Boolean> intact = request.verifyHit() ? rehash(hit.artifact().sha256()) : Mono.just(true);
            return intact.flatMap(ok -> ok
                    ? Mono.fromCallable(() -> confirmed(id, request.uri(), hit)).subscribeOn(io)
                    : download(request, origin, id));
        }
        if (found instanceof Lookup.Outcome.ByDigest byDigest) {
            return reuse(request, id, byDigest).switchIfEmpty(Mono.defer(() -> download(request, origin, id)));
        }
        return download(request, origin, id);
    }

    private Artifact confirmed(KeyId id, URI uri, Lookup.Outcome.Hit hit) {
        Store.Record update = hit.recordUpdate();
        if (update != null) {
            lookup.confirm(id, update);
        }
        return hit(id, uri, hit.artifact());
    }

    /**
     * Re-hashes a blob for a request that asked to verify its hit; a blob whose bytes changed on disk
     * goes to {@code quarantine/} (under the blob's lock), so that it is downloaded again.
     *
     * @return whether the blob is intact
     */
    private Mono<Boolean> rehash(Sha256 sha256) {
        return Mono.usingWhen(
                locks.acquire(Maintenance.blobLockName(sha256), null, (other, waited) -> {}),
                lease -> Mono.fromCallable(() -> {
                            Path blob = store.blobPath(sha256);
                            if (Digests.of(blob).equals(sha256)) {
                                return true;
                            }
                            java.util.Optional<Store.Blob> found = store.blobs(sha256);
                            if (found.isPresent()) {
                                store.quarantine(found.get());
                            }
                            return false;
                        })
                        .subscribeOn(io)
                        .onErrorMap(IOException.class, e -> StorageException.of(store.blobPath(sha256), "re-hash", e)),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    /** A hit: remembered, touched for eviction order, announced. Runs on the I/O threads. */
    private Artifact hit(KeyId id, URI uri, Artifact artifact) {
        touch(id);
        memo.remember(id, artifact, uri, store.recordPath(id));
        events.emit(new CacheEvent.Hit(artifact.key(), artifact));
        return artifact;
    }

    /**
     * Names a blob that is already there under a new key, holding the blob's lock so that {@code gc}
     * cannot evict it between the check and the record (see docs/architecture.md, "Eviction"). The
     * blob's modification time is set to now, which tells a {@code gc} that listed it earlier that it
     * is in use again. Empty if the blob turns out not to be the pinned bytes: it is then downloaded.
     */
    private Mono<Artifact> reuse(FetchRequest request, KeyId id, Lookup.Outcome.ByDigest found) {
        Sha256 sha256 = found.sha256();
        return Mono.usingWhen(
                locks.acquire(Maintenance.blobLockName(sha256), null, (other, waited) -> {}),
                lease -> Mono.fromCallable(() -> {
                            Path blob = store.blobPath(sha256);
                            long size = store.blobSize(sha256);
                            boolean confirmed = found.size() >= 0
                                    ? size == found.size()
                                    : size >= 0 && Digests.of(blob).equals(sha256);
                            if (!confirmed) {
                                return null;
                            }
                            lookup.confirm(id, record(request, sha256, size));
                            try {
                                // After the record: a gc that listed the blob before this sees it changed; one
                                // that lists it after also lists the record.
                                Files.setLastModifiedTime(blob, FileTime.from(Instant.now()));
                            } catch (IOException notOurs) {
                                // Another user's blob in a shared cache: eviction then relies on its age.
                            }
                            return hit(
                                    id,
                                    request.uri(),
                                    new Artifact(request.key(), blob, sha256, size, Artifact.Source.HIT));
                        })
                        .subscribeOn(io),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    private Mono<Artifact> download(FetchRequest request, Origin origin, KeyId id) {
        Download.Source source = new Download.Source(origin, request.uri(), request.headers());
        return Download.run(downloads, request, id, List.of(source))
                .flatMap(part -> commit.commit(part, record(request, part.sha256(), part.size()))
                        .map(blob -> committed(id, request, blob, part)));
    }

    private Store.Record record(FetchRequest request, Sha256 sha256, long size) {
        return new Store.Record(
                request.key().toString(),
                Text.redact(request.uri()),
                Lookup.uriHash(request),
                sha256,
                size,
                request.isPinned());
    }

    private Artifact committed(KeyId id, FetchRequest request, Path blob, Download.Verified part) {
        Key key = request.key();
        URI uri = request.uri();
        Artifact artifact = new Artifact(
                key,
                blob,
                part.sha256(),
                part.size(),
                part.resumed() ? Artifact.Source.RESUMED : Artifact.Source.DOWNLOADED);
        memo.remember(id, artifact.withSource(Artifact.Source.HIT), uri, store.recordPath(id));
        events.emit(new CacheEvent.Committed(key, artifact));
        return artifact;
    }

    private Mono<LockManager.Lease> lockTimeout(Key key, KeyId id, Duration waited) {
        return Mono.fromCallable(() -> {
                    Store.Holder holder = store.holder(id);
                    return new LockTimeoutException(
                            key,
                            store.lockFile(id.hex()),
                            waited,
                            holder == null ? -1 : holder.pid(),
                            holder == null ? -1 : holder.bytes(),
                            holder == null ? -1 : holder.total());
                })
                .subscribeOn(io)
                .flatMap(Mono::error);
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

    private static InvalidRequestException noOrigin(URI uri) {
        String scheme = Text.printable(uri.getScheme(), 20);
        return new InvalidRequestException(
                "uri",
                '"' + scheme + ":...\"",
                "no origin of this cache serves '" + scheme + "' URIs; "
                        + ("file".equalsIgnoreCase(uri.getScheme())
                                ? "add Origin.files() to the builder to allow local files"
                                : "add an origin for it (cachet-reactor serves http and https)"));
    }

    // ---- for tests -------------------------------------------------------------------------------

    /** Flights running in this cache. */
    public int flightsInFlight() {
        return flights.size();
    }

    /** Locks this cache holds. */
    public int locksHeld() {
        return locks.heldCount();
    }

    /** What makes two fetches the same flight: the credentials they carry do not. */
    private record FlightKey(Key key, URI uri, @Nullable Sha256 sha256, long size) {}

    /**
     * Everything {@link io.cachet.Cache.Builder} collected, validated there.
     *
     * @param ioScheduler null for a pool the cache owns
     * @param timer null for {@code Schedulers.parallel()}
     * @param lockTimeout null to wait as long as the holder lives
     */
    public record Settings(
            Path root,
            List<Origin> origins,
            @Nullable Scheduler ioScheduler,
            @Nullable Scheduler timer,
            RetryPolicy retryPolicy,
            @Nullable Duration lockTimeout,
            Duration idleTimeout,
            long minBytesPerSecond,
            Duration throughputWindow,
            long maxArtifactSize,
            boolean sharedWithGroup,
            int writeBufferSize) {

        public static final int DEFAULT_WRITE_BUFFER = 512 * 1024;
    }
}
