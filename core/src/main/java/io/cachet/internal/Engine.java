package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.ArtifactLease;
import io.cachet.BlobCheck;
import io.cachet.Cache;
import io.cachet.CacheClosedException;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.GcResult;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.Removal;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.commit.Commit;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.fleet.Fleet;
import io.cachet.internal.flight.SingleFlight;
import io.cachet.internal.fs.Disk;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.log.EventLog;
import io.cachet.internal.maintenance.Maintenance;
import io.cachet.internal.output.Placement;
import io.cachet.internal.retry.Backoff;
import io.cachet.internal.store.Store;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Origin;
import io.cachet.spi.Text;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link Cache}: the front door of the engine. A fetch reads top to bottom like the design's
 * diagram (docs/architecture.md):
 *
 * <pre>
 * fetch ─▶ memo of hits seen ── hit ─▶ Hit
 *   └▶ single flight (per request, this cache) ─▶ {@link Flight}: lookup, key lock, lookup again,
 *        the fleet's tier and lease if configured, download and commit, release
 * lease ─▶ fetch ─▶ {@link Leases}: shared lock on the blob
 * fetchTo ─▶ lease ─▶ {@link Placement}: link or copy to the caller's path, then let go
 * commits ─▶ {@link AutoEviction} (with a size cap): trim in the background
 * </pre>
 */
public final class Engine implements Cache {
    private static final Backoff LOCK_POLLING = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500), 2.0, 0.25);

    private final Settings settings;
    private final Store store;
    private final IoThreads ioThreads;
    private final Scheduler io;
    private final Scheduler timer;
    private final LockManager locks;
    private final Events events = new Events();
    private final List<Origin> origins;
    private final SingleFlight<FlightKey, Artifact> flights = new SingleFlight<>();
    private final HitMemo memo = new HitMemo();
    private final Flight flight;
    private final Leases leases;
    private final @Nullable AutoEviction autoEviction;
    private volatile boolean closed;

    private Engine(Settings settings, Disk disk, DoubleSupplier random, Download.Parallelism parallelism) {
        this.settings = settings;
        this.store = Store.open(settings.root(), settings.sharedWithGroup(), disk);
        this.ioThreads = settings.ioScheduler() == null ? IoThreads.owned() : IoThreads.on(settings.ioScheduler());
        this.io = ioThreads.scheduler;
        this.timer = settings.timer() == null ? Schedulers.parallel() : settings.timer();
        this.locks = new LockManager(
                store.locks(), disk, store.lockMode(), ioThreads.executor, io, timer, LOCK_POLLING, random);
        Download.Context downloads = new Download.Context(
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
                events::emit,
                parallelism);
        this.origins = settings.origins().isEmpty() ? discoverOrigins() : settings.origins();
        BlobTier tier = settings.tier();
        Fleet fleet = tier == null ? null : Fleet.of(tier, settings.cluster(), settings.leaseTtl(), downloads, random);
        this.flight = new Flight(
                store,
                locks,
                new Commit(store, io),
                downloads,
                fleet,
                memo,
                events,
                io,
                timer,
                settings.lockTimeout(),
                settings.offline(),
                uri -> java.util.Objects.requireNonNull(originFor(uri), "checked before the flight"));
        EventLog.attach(events.flux(), io);
        this.leases = new Leases(store, locks, io);
        this.autoEviction = settings.maxSize() == Settings.NO_LIMIT
                ? null
                : new AutoEviction(
                        settings.maxSize(),
                        () -> maintenance().trim(settings.maxSize(), settings.evictionMinAge()),
                        timer);
        if (autoEviction != null) {
            AutoEviction trimming = autoEviction;
            events.tap(event -> {
                if (event instanceof CacheEvent.Committed) {
                    trimming.committed();
                }
            });
        }
    }

    /** Opens a cache on the real file system. */
    public static Engine start(Settings settings) {
        return new Engine(
                settings,
                Disk.REAL,
                () -> ThreadLocalRandom.current().nextDouble(),
                Download.Parallelism.of(settings.connections()));
    }

    /** Opens a cache whose file-system operations and randomness tests control. */
    public static Engine start(Settings settings, Disk disk, DoubleSupplier random) {
        return new Engine(settings, disk, random, Download.Parallelism.of(settings.connections()));
    }

    /** Opens a cache whose file system, randomness and parallel ranges (how many connections to start with) tests control. */
    public static Engine start(Settings settings, Disk disk, DoubleSupplier random, Download.Parallelism parallelism) {
        return new Engine(settings, disk, random, parallelism);
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
            for (URI mirror : request.mirrors()) {
                if (originFor(mirror) == null) {
                    return Mono.error(noOrigin(mirror));
                }
            }
            Artifact known = Schedulers.isInNonBlockingThread() || request.verifyHit() ? null : memo.hit(request);
            if (known != null) {
                flight.touch(memo.id(request.key()));
                events.emit(new CacheEvent.Hit(request.key(), known));
                return Mono.just(known);
            }
            FlightKey key = new FlightKey(request.key(), request.uri(), request.sha256(), request.size());
            return flights.join(
                    key,
                    () -> flight.run(request, origin),
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
    public Mono<ArtifactLease> lease(FetchRequest request) {
        return leases.lease(fetch(request));
    }

    @Override
    public Mono<Artifact> fetchTo(FetchRequest request, Path output) {
        return Mono.fromCallable(() -> Placement.check(output))
                .subscribeOn(io)
                .flatMap(target -> Mono.usingWhen(
                        lease(request),
                        held -> Mono.fromCallable(() -> {
                                    Placement.place(held.path(), target, store.newUnique(), store.disk());
                                    return held.artifact();
                                })
                                .subscribeOn(io)
                                .onErrorMap(
                                        IOException.class,
                                        e -> StorageException.of(target, "place the artifact at", e)),
                        held -> Mono.fromRunnable(held::close),
                        (held, error) -> Mono.fromRunnable(held::close),
                        held -> Mono.fromRunnable(held::close)));
    }

    @Override
    public Flux<Removal> remove(Key... keys) {
        List<Key> all = List.of(keys);
        return Flux.fromIterable(all).concatMap(key -> maintenance().remove(key));
    }

    @Override
    public Mono<GcResult> gc(long maxBytes) {
        return gc(maxBytes, settings.evictionMinAge());
    }

    @Override
    public Mono<GcResult> gc(long maxBytes, Duration minAge) {
        return maintenance().gc(maxBytes, minAge);
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
        if (autoEviction != null) {
            autoEviction.close();
        }
        flights.cancelAll(() -> new CacheClosedException(store.root()));
        locks.close();
        ioThreads.shutdown();
        events.complete();
    }

    private Maintenance maintenance() {
        return new Maintenance(store, locks, io, events::emit);
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
     * @param connections the most connections per download, 0 to choose by size
     * @param cluster null for none: no leases across hosts
     * @param tier null for none: no fleet
     * @param leaseTtl how long a cluster lease outlives a holder that stops renewing it
     * @param maxSize the automatic cap, or {@link #NO_LIMIT}
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
            int writeBufferSize,
            int connections,
            @Nullable Cluster cluster,
            @Nullable BlobTier tier,
            Duration leaseTtl,
            boolean offline,
            long maxSize,
            Duration evictionMinAge) {

        public static final int DEFAULT_WRITE_BUFFER = 512 * 1024;
        public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
        public static final long NO_LIMIT = Long.MAX_VALUE;
        public static final Duration DEFAULT_EVICTION_MIN_AGE = Duration.ofMinutes(10);
    }
}
