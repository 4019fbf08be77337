package io.cachet;

import io.cachet.internal.Engine;
import io.cachet.internal.Engine.Settings;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Origin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A directory of verified artifacts, fetched by key, downloaded at most once however many threads
 * and processes ask.
 *
 * <pre>{@code
 * try (Cache cache = Cache.builder().root(Path.of("/var/cache/models")).build()) {
 *   Artifact model = cache.fetch(FetchRequest.of("https://models.example/resnet50.onnx")
 *           .withSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))
 *       .block();
 *   load(model.path());
 * }
 * }</pre>
 *
 * <p>A cache is safe to share between threads, and several caches, in this process and in others,
 * may use one directory at once.
 */
public interface Cache extends AutoCloseable {

    /** A builder with the defaults described on each of its methods. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Fetches an artifact: from the cache if it is there, else from its origin, verified and
     * committed before it is returned.
     *
     * <ul>
     *   <li><b>Lazy</b>: nothing happens until subscription.
     *   <li><b>Shared per request</b>: concurrent fetches of the same key, URI, digest and size in
     *       this cache share one download; across caches and processes on the same directory, a file
     *       lock makes all but one wait, and the waiters then find the artifact committed.
     *   <li><b>Cancellation</b>: cancelling one subscription never stops a download that others,
     *       or later callers, will want; a download runs to its end even if every subscriber
     *       cancels. {@link #close()} stops downloads.
     *   <li><b>Atomic</b>: the returned path holds verified bytes, moved into place in one atomic
     *       rename after its size and SHA-256 were checked and the file synced to disk.
     *   <li><b>Threads</b>: file-system work runs on the cache's I/O scheduler and timers on its
     *       timer; the result may be signalled on either, or on the origin's threads.
     *   <li><b>Errors</b>: a {@link CachetException}; a failed fetch is not remembered, so the next
     *       one tries again.
     * </ul>
     */
    Mono<Artifact> fetch(FetchRequest request);

    /**
     * Fetches many artifacts, at most {@code concurrency} at a time, emitting them in the order of
     * the requests. A failure does not stop the other fetches: the {@code Flux} emits every artifact
     * it can, then fails with the first error (later ones attached as suppressed).
     */
    Flux<Artifact> fetchAll(Publisher<FetchRequest> requests, int concurrency);

    /**
     * What this cache is doing, as it happens: a hot stream that delivers the events published after
     * subscription. A subscriber that cannot keep up misses events rather than slowing downloads.
     */
    Flux<CacheEvent> events();

    /** Every key in the cache with the blob it names, read from the directory when subscribed. */
    Flux<CacheEntry> entries();

    /**
     * Re-hashes every blob. A blob whose bytes no longer match its name is moved to {@code
     * quarantine/} (under the locks of the keys naming it), so the next fetch downloads it again.
     */
    Flux<BlobCheck> verify();

    /**
     * Fetches as {@link #fetch} does, then holds the artifact in use until the lease is closed: no
     * {@code gc}, {@code rm} or automatic eviction, in this process or any other using the directory,
     * deletes its file meanwhile.
     *
     * <ul>
     *   <li><b>Shared</b>: leases of one artifact, here and in other processes, hold it together, and
     *       never wait for each other; eviction may take it once the last one is closed.
     *   <li><b>Errors</b>: as {@link #fetch}.
     * </ul>
     *
     * @see ArtifactLease
     */
    Mono<ArtifactLease> lease(FetchRequest request);

    /**
     * Fetches as {@link #fetch} does, then puts the verified bytes at {@code output}: a hard link to
     * the cached file when both are on one file system (read-only, as the cached file is: never write
     * to it), else a copy, synced and renamed into place. {@code output} never holds a partial file,
     * and a file already there is replaced only by the verified bytes. Fetches of one artifact to
     * different outputs share one download; each gets its own output.
     *
     * @return the artifact (its {@link Artifact#path()} is the cache's file) once {@code output} holds
     *     its bytes; an {@link InvalidRequestException}, before any download, if {@code output}'s
     *     directory does not exist or is not writable, or {@code output} is a directory; a {@link
     *     StorageException} naming {@code output} if it cannot be written
     */
    Mono<Artifact> fetchTo(FetchRequest request, Path output);

    /**
     * Removes keys, one after another: a key's record, under its lock, taken only if free (a key being
     * fetched, here or in another process, is left alone: {@link Removal.Outcome#BUSY}), then the
     * blob it named, unless another key names it or it is in use ({@link #lease}).
     */
    Flux<Removal> remove(Key... keys);

    /**
     * Evicts the least recently used artifacts until the cache holds at most {@code maxBytes}, keeping
     * those used within the {@linkplain Builder#evictionMinAge minimum age}; see {@link #gc(long,
     * Duration)}.
     */
    Mono<GcResult> gc(long maxBytes);

    /**
     * Evicts the least recently used artifacts until the cache holds at most {@code maxBytes}: blobs,
     * part files and quarantined blobs all count. First removes part files whose writers are gone and
     * quarantined blobs older than a week. Never deletes an artifact used (fetched, or stored) less
     * than {@code minAge} ago, nor one in use: being fetched or named, or leased ({@link #lease}), in
     * this process or another; those are skipped, and the cache may stay above {@code maxBytes}.
     */
    Mono<GcResult> gc(long maxBytes, Duration minAge);

    /** The cache directory, as its canonical path. */
    Path root();

    /**
     * Stops every download in flight (their callers get an error; resumable part files stay for a
     * later fetch), releases every lock and stops the threads this cache started. Idempotent.
     */
    @Override
    void close();

    /** Configures a {@link Cache}; every setting has a sensible default except the root. */
    final class Builder {
        private @Nullable Path root;
        private final List<Origin> origins = new ArrayList<>();
        private @Nullable Scheduler ioScheduler;
        private @Nullable Scheduler timer;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private @Nullable Duration lockTimeout;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private long minBytesPerSecond = 1024;
        private Duration throughputWindow = Duration.ofSeconds(60);
        private long maxArtifactSize = Long.MAX_VALUE;
        private boolean sharedWithGroup;
        private int writeBufferSize = Engine.Settings.DEFAULT_WRITE_BUFFER;
        private int connections;
        private @Nullable Cluster cluster;
        private @Nullable BlobTier tier;
        private Duration leaseTtl = Engine.Settings.DEFAULT_LEASE_TTL;
        private boolean offline;
        private long maxSize = Engine.Settings.NO_LIMIT;
        private Duration evictionMinAge = Engine.Settings.DEFAULT_EVICTION_MIN_AGE;

        Builder() {}

        /** The cache directory; created if missing. Required. */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * Adds an origin. Requests go to the first origin that {@link Origin#supports supports} their
         * URI. Without any, the cache uses the origins found by {@link java.util.ServiceLoader} (the
         * reactor-netty HTTP origin when {@code cachet-reactor} is on the class or module path).
         * {@code file:} URIs are served only if {@link Origin#files()} is added.
         */
        public Builder origin(Origin origin) {
            origins.add(Objects.requireNonNull(origin, "origin"));
            return this;
        }

        /**
         * Where blocking file-system work runs (writes, fsync, renames, lock attempts). Default: a
         * fixed pool of daemon threads named {@code cachet-io-*}, started by {@link #build()} and
         * stopped by {@link Cache#close()}. A scheduler passed here is not disposed by the cache; it
         * must accept work from event loops without blocking them.
         */
        public Builder ioScheduler(Scheduler scheduler) {
            this.ioScheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Where delays run: retry backoff, lock polling, idle and throughput checks. Default: {@link
         * reactor.core.scheduler.Schedulers#parallel()}. Tests pass a virtual-time scheduler.
         */
        public Builder timer(Scheduler scheduler) {
            this.timer = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** How transient failures are retried. Default: {@link RetryPolicy#defaults()}. */
        public Builder retry(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long a fetch waits for another process's download of the same artifact before failing
         * with {@link LockTimeoutException}. Default: no limit, because a slow but healthy download
         * should not be abandoned (a stalled one fails by its own idle timeout and frees the lock).
         * Waiting never steals the lock, whatever this says.
         */
        public Builder lockTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("lock timeout must not be negative: " + timeout);
            }
            this.lockTimeout = timeout;
            return this;
        }

        /**
         * How long a download may wait for its next bytes, or for the origin's first answer, before
         * the attempt fails (and is retried). Default: 30 seconds.
         */
        public Builder idleTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("idle timeout must be positive: " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * The slowest transfer tolerated: an attempt that receives less than {@code bytesPerSecond}
         * on average over {@code window} fails (and is retried), so a trickling origin cannot hold the
         * lock forever. 0 disables the check. Default: 1 KiB/s over 60 seconds.
         */
        public Builder minThroughput(long bytesPerSecond, Duration window) {
            if (bytesPerSecond < 0 || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException(
                        "minimum throughput must be at least 0 bytes/s over a positive window: " + bytesPerSecond + ", "
                                + window);
            }
            this.minBytesPerSecond = bytesPerSecond;
            this.throughputWindow = window;
            return this;
        }

        /**
         * The largest artifact accepted when a request does not say its size; a body that grows past
         * it is cut off. Default: unlimited.
         */
        public Builder maxArtifactSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("max artifact size must be positive: " + bytes);
            }
            this.maxArtifactSize = bytes;
            return this;
        }

        /**
         * Whether users of the directory's group share the cache: directories become group-writable
         * and set-group-ID, lock and key files group-writable. Blobs are read-only for everyone either
         * way, and nothing is ever writable by others. Default: false.
         */
        public Builder sharedWithGroup(boolean shared) {
            this.sharedWithGroup = shared;
            return this;
        }

        /**
         * The size of each write to disk (and of each of the few buffers a download holds). Default:
         * 512 KiB; a download holds at most three.
         */
        public Builder writeBufferSize(int bytes) {
            if (bytes < 4096 || bytes > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("write buffer size must be between 4 KiB and 64 MiB: " + bytes);
            }
            this.writeBufferSize = bytes;
            return this;
        }

        /**
         * The most connections one download uses, each fetching a range of the artifact into the same
         * file, when the origin serves ranges. A download starts with one and adds more while they
         * raise its throughput (as they do when the origin limits each connection); an artifact of
         * under 4 MiB is always one request. 1 turns parallel ranges off. Default: chosen by size,
         * one connection below 32 MiB, then one per 16 MiB, at most 8.
         */
        public Builder connections(int max) {
            if (max < 1 || max > MAX_CONNECTIONS) {
                throw new IllegalArgumentException("connections must be between 1 and " + MAX_CONNECTIONS + ": " + max);
            }
            this.connections = max;
            return this;
        }

        /** The most {@link #connections} a download may be given. */
        public static final int MAX_CONNECTIONS = 64;

        /**
         * Shares downloads with the other hosts of a fleet through {@code cluster}, whose leases say
         * which host downloads an artifact while the others wait for it to appear in the {@link
         * #tier}; needs a tier. Leases last 30 seconds, renewed every 10 while their holder lives.
         * The cache does not close the cluster. See {@link #cluster(Cluster, Duration)}.
         */
        public Builder cluster(Cluster cluster) {
            return cluster(cluster, Engine.Settings.DEFAULT_LEASE_TTL);
        }

        /**
         * Shares downloads through {@code cluster}, with leases that outlive a holder that stops
         * renewing them (a host killed or cut off) by {@code leaseTtl}: how long the others wait
         * before one of them takes over. A live holder renews its lease every third of that, so a
         * slow download is never taken from it; a lost lease only costs a second download, never a
         * wrong file (every host verifies what it commits). Default: 30 seconds.
         */
        public Builder cluster(Cluster cluster, Duration leaseTtl) {
            if (leaseTtl.toMillis() < 3) {
                throw new IllegalArgumentException("lease time to live must be at least 3ms: " + leaseTtl);
            }
            this.cluster = Objects.requireNonNull(cluster, "cluster");
            this.leaseTtl = leaseTtl;
            return this;
        }

        /**
         * Whether the cache works offline: a fetch that finds its artifact (an unpinned key already
         * recorded included) returns it as usual, and one that does not fails at once with {@link
         * OfflineException}, without asking any origin or waiting for anything. Default: false.
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * Keeps the cache at most {@code bytes} big (blobs, part files and quarantined blobs all
         * count): after commits, least recently used artifacts are evicted in the background, never
         * on a fetch's path, as {@link Cache#gc(long)} does; each eviction is reported as a {@link
         * CacheEvent.Evicted} event. Artifacts in use (leased, being fetched) and those used within the
         * {@linkplain #evictionMinAge minimum age} are kept, even above the cap. {@link Cache#close()}
         * runs an eviction still due. Default: no cap.
         */
        public Builder maxSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("max size must not be negative: " + bytes);
            }
            this.maxSize = bytes;
            return this;
        }

        /**
         * A fleet's shared store of verified blobs: looked in after this cache's own store and before
         * the origin, and given what this cache downloads. Its bytes are verified like an origin's,
         * and any failure of it falls back to the origin with one warning. The cache does not close
         * the tier.
         */
        public Builder tier(BlobTier tier) {
            this.tier = Objects.requireNonNull(tier, "tier");
            return this;
        }

        /**
         * How long eviction ({@link Cache#gc(long)} and {@link #maxSize}) keeps an artifact after its
         * last use, so that a path handed out a moment ago is not deleted before its caller opens it
         * (a caller that holds it longer takes a {@linkplain Cache#lease lease}). Default: 10 minutes.
         */
        public Builder evictionMinAge(Duration minAge) {
            if (minAge.isNegative()) {
                throw new IllegalArgumentException("eviction min age must not be negative: " + minAge);
            }
            this.evictionMinAge = minAge;
            return this;
        }

        /**
         * Opens the cache: creates the directory layout if needed and checks that it is safe to use
         * (not writable by others, one file system for temporary and final files).
         *
         * @throws StorageException if the directory cannot be created or is unsafe
         * @throws IllegalStateException without a root, or with a cluster but no tier
         */
        public Cache build() {
            return Engine.start(settings());
        }

        /** What was configured; tests reach it to start an engine on a faulty disk. */
        Settings settings() {
            if (root == null) {
                throw new IllegalStateException("a cache needs a root directory: call root(Path) before build()");
            }
            if (cluster != null && tier == null) {
                throw new IllegalStateException("a cluster shares downloads through a tier, and this cache has none:"
                        + " add tier(BlobTier) too, or leave the cluster out");
            }
            return new Settings(
                    root,
                    List.copyOf(origins),
                    ioScheduler,
                    timer,
                    retryPolicy,
                    lockTimeout,
                    idleTimeout,
                    minBytesPerSecond,
                    throughputWindow,
                    maxArtifactSize,
                    sharedWithGroup,
                    writeBufferSize,
                    connections,
                    cluster,
                    tier,
                    leaseTtl,
                    offline,
                    maxSize,
                    evictionMinAge);
        }
    }
}
