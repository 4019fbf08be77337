package io.cachet.internal.fetch;

import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.internal.write.StreamingWriter;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One download, run by the holder of the key's lock after the store came up empty: the attempt
 * loop that ends in a {@link Verified} part file, or in the one error its callers see. The commit
 * is the engine's next step, not this one's.
 *
 * <pre>
 * open the part ({@link PartFile}: adopt an abandoned one per {@link ResumePlan}, or create one)
 *   └▶ attempt: the source in use ({@link Mirrors}).open(from the hashed prefix, to the first kept range)
 *        ─▶ {@link ResponseCheck}
 *        ─▶ one stream: {@link StreamingWriter}
 *           or, if the origin serves ranges and the artifact is large (or ranges were kept):
 *           {@link RangeDownload}, parallel ranges into the same part, hashed in order
 *        └▶ verify size and SHA-256 ─▶ Verified
 *   on failure ({@link Failures} classifies it):
 *     another source left ─▶ drop the one that failed; attempt again at once from the verified position
 *     transient origin failure ─▶ wait ({@link Retries}) ─▶ attempt again from the verified position
 *     ranges stopped working ─▶ attempt again as one stream from the hashed prefix
 *     200 to a resume, a range at the wrong offset, an unusable range, a 416 ─▶ start over from 0, once
 *     digest or size mismatch after a resume ─▶ start over from 0, once
 *     digest mismatch with mirrors ─▶ drop the source that wrote the bytes (or go one source at a time),
 *                                     start over from 0; else fail
 *     anything else ─▶ fail; the part is kept for a later resume only if the failure may pass
 * </pre>
 *
 * <p>Concurrency: the fields are touched only by this download's steps, which run one after another
 * (each starts when the previous one signalled, on whatever thread that was).
 */
public final class Download {
    static final int MAX_BUFFERS = 4;
    static final long CHECKPOINT_BYTES = 16L * 1024 * 1024;
    /** Flush the part's data to the device every this many bytes, so the final fsync is short. */
    static final long SYNC_EVERY = 64L * 1024 * 1024;

    private final Context ctx;
    private final FetchRequest request;
    private final Mirrors mirrors;
    private final KeyId id;
    private final Key key;
    private final String url;
    private final Failures failures;
    private final Retries retries;
    private final ProgressReporter progress;

    private @Nullable PartFile part;
    private @Nullable StreamingWriter writer;
    private @Nullable RangeDownload ranges; // This attempt's parallel ranges, if it uses them.
    private Mirrors.Mirror using; // The source of this attempt.
    private boolean parallel = true; // False once ranges stopped working for this download.
    private long limit = Long.MAX_VALUE;
    private boolean resumed;
    private boolean restarted;
    private int attempts;
    private int failovers; // Attempts that moved to another source: they do not count as retries.

    private Download(Context ctx, FetchRequest request, KeyId id, List<Source> sources) {
        this.ctx = ctx;
        this.request = request;
        this.mirrors = new Mirrors(sources, request, ctx.idleTimeout());
        this.using = mirrors.primary();
        this.id = id;
        this.key = request.key();
        this.url = using.url;
        this.failures = using.failures;
        this.retries = new Retries(ctx.retryPolicy(), ctx.random());
        this.progress = new ProgressReporter(key, () -> ctx.timer().now(TimeUnit.MILLISECONDS), ctx.events());
    }

    /**
     * Downloads {@code request} from {@code sources} into a verified part file of {@code id}.
     *
     * <ul>
     *   <li>The caller holds the key's lock for the whole download and the commit after it.
     *   <li>On success, the {@link Verified} part is the caller's: commit it, or {@link
     *       Verified#discard} it.
     *   <li>On failure or cancellation, the part is kept for a later resume when the failure may
     *       pass, else deleted; the error is a {@link CachetException}.
     * </ul>
     */
    public static Mono<Verified> run(Context ctx, FetchRequest request, KeyId id, List<Source> sources) {
        return Mono.defer(() -> new Download(ctx, request, id, sources).run());
    }

    private Mono<Verified> run() {
        return Mono.usingWhen(
                Mono.fromCallable(this::openPart).subscribeOn(ctx.io()),
                p -> attempt().map(sha256 -> p.handOver(sha256, resumed)),
                p -> Mono.empty(),
                (p, error) -> stopping(error),
                p -> stopping(null));
    }

    /**
     * After a failure or cancellation: keeps or removes the part, on the I/O threads (scheduled at
     * once: a cache that closes runs what is queued before its threads stop). Parallel ranges are
     * over by then when they failed; when cancelled, their writes still in flight fail on the closed
     * channel, and only the ranges already written are recorded.
     */
    private Mono<Void> stopping(@Nullable Throwable error) {
        return Mono.<Void>fromRunnable(() -> stop(error)).subscribeOn(ctx.io());
    }

    private PartFile openPart() {
        PartFile p = PartFile.open(
                ctx, id, Store.Sidecar.uriHash(using.source.uri()), url, request.isPinned(), request.size());
        part = p;
        return p;
    }

    private PartFile part() {
        PartFile p = part;
        if (p == null) {
            throw new IllegalStateException("no part file yet");
        }
        return p;
    }

    // ---- attempts --------------------------------------------------------------------------------

    private Mono<Sha256> attempt() {
        return Mono.defer(() -> {
                    attempts++;
                    ranges = null;
                    PartFile p = part();
                    Mirrors.Mirror source = mirrors.current();
                    using = source;
                    Validators validators = !p.hasBytes()
                            ? Validators.NONE
                            : source.primary ? p.validators : mirrors.validators(source);
                    long end = p.kept.isEmpty()
                            ? OriginRequest.TO_THE_END
                            : p.kept.get(0).start();
                    OriginRequest ask = new OriginRequest(
                            source.source.uri(), p.position, end, validators, source.source.headers(), request.size());
                    return source.source
                            .origin()
                            .open(ask)
                            .timeout(ctx.idleTimeout(), ctx.timer())
                            .doOnDiscard(OriginResponse.class, late -> discard(late.body()))
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException("the origin answered nothing")))
                            .flatMap(response -> receive(response, source, end))
                            .then(Mono.fromCallable(this::verify));
                })
                .onErrorResume(this::afterFailure);
    }

    private Mono<Long> receive(OriginResponse response, Mirrors.Mirror source, long end) {
        PartFile p = part();
        if (response.status() == OriginResponse.Status.PARTIAL && response.offset() != p.position) {
            discard(response.body());
            return Mono.error(new Restart(
                    "the origin answered a request for bytes from " + p.position + " with bytes from "
                            + response.offset(),
                    null));
        }
        Mono<Void> ready = Mono.empty();
        if (response.status() == OriginResponse.Status.FULL && p.hasBytes()) {
            ready = Mono.<Void>fromRunnable(this::resetToZero).subscribeOn(ctx.io()); // A 200: restart, never splice.
        }
        AtomicBoolean bodyTaken = new AtomicBoolean();
        return ready.then(Mono.fromCallable(() -> accept(response, source)).subscribeOn(ctx.io()))
                .doOnError(e -> discard(response.body()))
                .flatMap(resuming -> {
                    bodyTaken.set(true);
                    long length = response.length() >= 0 ? response.length() : p.declaredLength;
                    if (inRanges(response, length)) {
                        return ranges(
                                response, resuming, source, end == OriginRequest.TO_THE_END ? length : end, length);
                    }
                    if (!p.kept.isEmpty()) {
                        discard(response.body()); // Kept ranges, yet no length to fetch the gaps by.
                        return Mono.error(new Restart("the origin did not say how long the artifact is", null));
                    }
                    return write(response, resuming, source);
                })
                .doOnCancel(() -> {
                    if (!bodyTaken.get()) {
                        discard(response.body()); // Cancelled before the writer took it: let the transport go.
                    }
                });
    }

    /** Checks the declared length and free space, records the validators; true if resuming. */
    private boolean accept(OriginResponse response, Mirrors.Mirror source) throws java.io.IOException {
        PartFile p = part();
        long expected = request.size();
        ResponseCheck.checkLength(expected, response.length(), ctx.maxArtifactSize(), source.failures);
        limit = ResponseCheck.limit(expected, response.length(), ctx.maxArtifactSize());
        ResponseCheck.checkSpace(
                limit, keptBytes(), ctx.store().usableSpace(), ctx.store().tmp());
        mirrors.answered(source, response.validators());
        // The part's validators are its own URI's (the sidecar names that URI): a mirror's are its own.
        p.recordResponse(source.primary ? response.validators() : p.validators, response.length());
        return response.status() == OriginResponse.Status.PARTIAL && p.hasBytes();
    }

    /** Bytes of the artifact in the part: the hashed prefix and the kept ranges. */
    private long keptBytes() {
        PartFile p = part();
        long bytes = p.position;
        for (Store.Span span : p.kept) {
            bytes += span.length();
        }
        return bytes;
    }

    /**
     * Whether this answer starts a download in parallel ranges: when ranges were kept (the answer is
     * for the first gap), or when the origin serves ranges of an artifact of known length large enough
     * for more than one connection. Unpinned, only with validators: without them, ranges might come
     * from two versions of the artifact, and nothing would tell.
     */
    private boolean inRanges(OriginResponse response, long length) {
        PartFile p = part();
        if (length < 0) {
            return false;
        }
        if (!p.kept.isEmpty()) {
            return true;
        }
        return parallel
                && response.acceptsRanges()
                && (request.isPinned() || !response.validators().isEmpty())
                && ctx.parallelism().connectionsFor(length - p.position) > 1;
    }

    private Mono<Long> ranges(
            OriginResponse response, boolean resuming, Mirrors.Mirror source, long firstEnd, long length) {
        PartFile p = part();
        announce(resuming, source, keptBytes(), length);
        int connections = Math.max(1, ctx.parallelism().connectionsFor(length - keptBytes()));
        RangeDownload r = new RangeDownload(
                ctx, key, p, mirrors, retries, progress, length, request.size(), request.isPinned(), connections);
        ranges = r;
        return r.run(response, source, firstEnd);
    }

    /** Tells that an attempt starts (and that it resumes, if so) with {@code kept} bytes already there. */
    private void announce(boolean resuming, Mirrors.Mirror source, long kept, long total) {
        if (resuming) {
            resumed = true;
            ctx.events().accept(new CacheEvent.Resumed(key, kept));
        }
        mirrors.wrote(source);
        ctx.events().accept(new CacheEvent.Started(key, source.url, kept, total));
    }

    private Mono<Long> write(OriginResponse response, boolean resuming, Mirrors.Mirror source) {
        PartFile p = part();
        announce(resuming, source, p.position, total());
        StreamingWriter.Settings how = new StreamingWriter.Settings(
                bufferSize(),
                MAX_BUFFERS,
                ctx.files(),
                ctx.timer(),
                ctx.idleTimeout(),
                ctx.minBytesPerSecond(),
                ctx.throughputWindow(),
                SYNC_EVERY,
                request.isPinned() ? 0 : CHECKPOINT_BYTES);
        long total = total();
        StreamingWriter w =
                new StreamingWriter(p.channel(), p.position, p.digest, limit, how, new StreamingWriter.Listener() {
                    @Override
                    public void written(long at) {
                        progress.written(at, total);
                    }

                    @Override
                    public void checkpoint(long at, byte[] sha256OfPrefix) {
                        p.checkpoint(at, Sha256.of(sha256OfPrefix).hex());
                    }
                });
        writer = w;
        return w.write(response.body()).doOnNext(end -> p.position = end).doOnError(e -> p.position = w.position());
    }

    private long total() {
        return limit == Long.MAX_VALUE || (request.size() < 0 && part().declaredLength < 0) ? -1 : limit;
    }

    private int bufferSize() {
        int configured = ctx.writeBufferSize();
        if (limit == Long.MAX_VALUE || limit == ctx.maxArtifactSize() && part().declaredLength < 0) {
            return configured;
        }
        long remaining = Math.max(limit - part().position, 1);
        return (int) Math.min(configured, Math.max(4096, Long.highestOneBit(remaining - 1) << 1));
    }

    private Sha256 verify() {
        PartFile p = part();
        long size = p.position;
        Sha256 actual = Digests.valueOf(p.digest);
        if (p.declaredLength >= 0 && size < p.declaredLength) {
            throw OriginFailure.transientFailure("the body ended after " + size + " of " + p.declaredLength + " bytes");
        }
        long expected = request.size();
        if (expected >= 0 && size != expected) {
            throw mismatch(IntegrityException.Kind.SIZE_MISMATCH, actual, size);
        }
        Sha256 wanted = request.sha256();
        if (wanted != null && !wanted.equals(actual)) {
            throw mismatch(IntegrityException.Kind.DIGEST_MISMATCH, actual, size);
        }
        return actual;
    }

    private RuntimeException mismatch(IntegrityException.Kind kind, Sha256 actual, long size) {
        IntegrityException failure = failures.integrity(kind, actual, expectedSize(), size);
        if (resumed && !restarted) {
            return new Restart("a resumed download did not verify", failure);
        }
        if (mirrors.blame()) {
            return new Reroute(failure); // Bytes from a source that is now dropped, or from several.
        }
        return failure;
    }

    private long expectedSize() {
        long declared = part == null ? -1 : part.declaredLength;
        return request.size() >= 0 ? request.size() : declared >= 0 ? declared : limit;
    }

    // ---- after a failure -------------------------------------------------------------------------

    private Mono<Sha256> afterFailure(Throwable error) {
        if (error instanceof RangeDownload.GaveUp gaveUp) {
            return Mono.error(gaveUp.failure());
        }
        if (error instanceof RangeDownload.FallBack) {
            parallel = false; // Ranges stopped working: one stream from the hashed prefix.
            ranges = null;
            return Mono.<Void>fromRunnable(() -> part().fallBack())
                    .subscribeOn(ctx.io())
                    .then(attempt());
        }
        if (error instanceof Reroute reroute) {
            ctx.events().accept(new CacheEvent.Retrying(key, attempts, Duration.ZERO, reroute.failure));
            return Mono.<Void>fromRunnable(this::resetToZero)
                    .subscribeOn(ctx.io())
                    .then(attempt());
        }
        if (error instanceof Restart restart) {
            if (ranges != null) {
                parallel = false; // The artifact changed under parallel ranges: start over as one stream.
            }
            if (restarted) {
                CachetException why = restart.failure;
                return Mono.error(why != null ? why : classify(error));
            }
            return startOver();
        }
        CachetException failure = classify(error);
        if (failure instanceof OriginException originFailure && mirrors.drop(using)) {
            failovers++; // Another source is left: go on with it at once, from the verified bytes.
            ctx.events().accept(new CacheEvent.Retrying(key, attempts, Duration.ZERO, originFailure));
            return Mono.<Void>fromRunnable(() -> part().prepareRetry())
                    .subscribeOn(ctx.io())
                    .then(attempt());
        }
        if (failure instanceof OriginException originFailure) {
            boolean rangeRefused = originFailure.status() == 416
                    || (originFailure.getCause() instanceof OriginFailure f && f.isUnusableRange());
            if (rangeRefused && part().hasBytes() && !restarted) {
                return startOver();
            }
            Duration delay = retries.delayAfter(attempts - failovers, originFailure);
            if (delay != null) {
                return pause(delay, new CacheEvent.Retrying(key, attempts, delay, originFailure))
                        .then(Mono.<Void>fromRunnable(() -> part().prepareRetry())
                                .subscribeOn(ctx.io()))
                        .then(attempt());
            }
            return Mono.error(retries.givingUp(originFailure, using.failures));
        }
        return Mono.error(failure);
    }

    /** Start over from byte 0 into a fresh part, once: a resume that was refused or did not verify. */
    private Mono<Sha256> startOver() {
        restarted = true;
        return Mono.<Void>fromRunnable(this::resetToZero).subscribeOn(ctx.io()).then(attempt());
    }

    private void resetToZero() {
        resumed = false;
        mirrors.startOver();
        part().resetToZero();
    }

    private CachetException classify(Throwable error) {
        if (error instanceof Restart r) {
            return new OriginException(using.url, 0, attempts, false, null, String.valueOf(r.getMessage()), r);
        }
        Path where = part == null ? ctx.store().tmp() : part.path();
        return using.failures.classify(error, attempts, where, expectedSize());
    }

    /**
     * Waits {@code delay} on the timer, announcing the wait only once the delay is scheduled (so that
     * whoever reacts to the event, such as a virtual clock in a test, finds it there), and going on
     * only once the announcement is out (so that events stay in order however fast the clock runs).
     */
    private Mono<Void> pause(Duration delay, CacheEvent announcement) {
        return Mono.create(sink -> {
            AtomicInteger pending = new AtomicInteger(2); // The delay, and the announcement.
            Runnable step = () -> {
                if (pending.decrementAndGet() == 0) {
                    sink.success();
                }
            };
            sink.onCancel(ctx.timer().schedule(step, delay.toNanos(), TimeUnit.NANOSECONDS));
            ctx.events().accept(announcement);
            step.run();
        });
    }

    /** After a failure or cancellation: keep a resumable part for later, else remove it. */
    private void stop(@Nullable Throwable error) {
        PartFile p = part;
        if (p == null) {
            return;
        }
        boolean transientFailure = error == null
                || (error instanceof CachetException c && c.isTransient() && !(c instanceof StorageException));
        RangeDownload r = ranges;
        if (r != null) {
            p.stopRanges(r.onDisk(), r.snapshot(), transientFailure);
            return;
        }
        StreamingWriter w = writer;
        long at = w != null ? w.position() : p.position;
        p.stop(at, w == null || w.digestAtPosition(), transientFailure);
    }

    private static void discard(Flux<ByteBuffer> body) {
        body.subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.cancel();
            }
        });
    }

    /** Start over from byte 0 (once): a resume that was refused or did not verify, or an artifact that changed. */
    static final class Restart extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient @Nullable CachetException failure;

        Restart(String reason, @Nullable CachetException failure) {
            super(reason, null, false, false);
            this.failure = failure;
        }
    }

    /** Start over from byte 0 with the sources left: bytes from one that is now dropped did not verify. */
    private static final class Reroute extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient IntegrityException failure;

        Reroute(IntegrityException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }

    // ---- what a download needs, and what it ends with ---------------------------------------------

    /**
     * What every download of a cache shares.
     *
     * @param files the executor the part files' channels complete on (the I/O threads)
     * @param io where blocking file work runs
     * @param timer where delays and watchdogs run
     * @param events where progress, retry and resume events go
     */
    public record Context(
            Store store,
            ExecutorService files,
            Scheduler io,
            Scheduler timer,
            Duration idleTimeout,
            long minBytesPerSecond,
            Duration throughputWindow,
            long maxArtifactSize,
            int writeBufferSize,
            RetryPolicy retryPolicy,
            DoubleSupplier random,
            Consumer<CacheEvent> events,
            Parallelism parallelism) {

        /** The same context, retrying as {@code retryPolicy} says and publishing to {@code events}. */
        public Context with(RetryPolicy retryPolicy, Consumer<CacheEvent> events) {
            return new Context(
                    store,
                    files,
                    io,
                    timer,
                    idleTimeout,
                    minBytesPerSecond,
                    throughputWindow,
                    maxArtifactSize,
                    writeBufferSize,
                    retryPolicy,
                    random,
                    events,
                    parallelism);
        }
    }

    /**
     * How a download uses parallel ranges (docs/architecture.md, "Parallel ranges").
     *
     * @param maxConnections the most connections per download; 0 to choose by size ({@link
     *     #connectionsFor})
     * @param initialConnections how many a download in ranges starts with, before the throughput
     *     decides whether more pay off
     * @param minSize below this many bytes to fetch, a download stays one request
     * @param minRange the smallest range a split makes
     * @param window how long the throughput of a number of connections is measured
     * @param cpuClock the CPU time this process has used, in nanoseconds, or -1 if unknown: a
     *     window in which the host was busy adds no connection
     */
    public record Parallelism(
            int maxConnections,
            int initialConnections,
            long minSize,
            long minRange,
            Duration window,
            LongSupplier cpuClock) {
        /** The most connections chosen by size. */
        public static final int BY_SIZE_MAX = 8;

        /** Chosen by size, a download needs at least this many bytes to fetch for a second connection. */
        static final long BY_SIZE_FROM = 32L * 1024 * 1024;

        /** Chosen by size, one more connection for every this many bytes to fetch. */
        static final long BYTES_PER_CONNECTION = 16L * 1024 * 1024;

        public Parallelism {
            if (maxConnections < 0 || initialConnections < 1 || minSize < 0 || minRange < 1) {
                throw new IllegalArgumentException("not a parallelism: " + maxConnections + ", " + initialConnections
                        + ", " + minSize + ", " + minRange);
            }
        }

        /** The same, with this process's CPU time as {@link #cpuClock}. */
        public Parallelism(int maxConnections, int initialConnections, long minSize, long minRange, Duration window) {
            this(maxConnections, initialConnections, minSize, minRange, window, Parallelism::processCpuNanos);
        }

        /** The CPU time this process has used, or -1 where the platform cannot say. */
        static long processCpuNanos() {
            return ProcessHandle.current()
                    .info()
                    .totalCpuDuration()
                    .map(Duration::toNanos)
                    .orElse(ConnectionGovernor.CPU_UNKNOWN);
        }

        /** At most {@code maxConnections} (0: chosen by size), starting with one, measured over 250 ms. */
        public static Parallelism of(int maxConnections) {
            return new Parallelism(maxConnections, 1, 4L * 1024 * 1024, 1024 * 1024, Duration.ofMillis(250));
        }

        /**
         * How many connections a download with {@code remaining} bytes to fetch may use: one below
         * {@link #minSize}; else the maximum, or chosen by size: one below 32 MiB, then one per 16
         * MiB, at most {@link #BY_SIZE_MAX}.
         */
        public int connectionsFor(long remaining) {
            if (maxConnections == 1 || remaining < minSize) {
                return 1;
            }
            if (maxConnections > 1) {
                return maxConnections;
            }
            if (remaining < BY_SIZE_FROM) {
                return 1;
            }
            return (int) Math.min(BY_SIZE_MAX, remaining / BYTES_PER_CONNECTION);
        }
    }

    /**
     * Where bytes may come from: an origin and the URI to ask it for, with the headers to send.
     *
     * @param headers sent to this source only (a caller's credentials go to the URI it named)
     */
    public record Source(Origin origin, URI uri, Map<String, String> headers) {}

    /**
     * A part file whose size and SHA-256 were checked: ready to be committed, and the committer's
     * to commit or {@link #discard}.
     *
     * @param unique the part's writer name
     * @param path the part file
     * @param channel its open channel, not yet synced
     * @param sha256 the digest of its bytes
     * @param size its size
     * @param resumed whether it continued bytes an earlier attempt wrote
     * @param hasSidecar whether a sidecar is on disk beside it, to delete once committed
     */
    public record Verified(
            KeyId id,
            String unique,
            Path path,
            AsynchronousFileChannel channel,
            Sha256 sha256,
            long size,
            boolean resumed,
            boolean hasSidecar) {

        /** Closes and deletes the part, for a commit that did not happen. */
        public void discard(Store store) {
            PartFile.close(channel);
            store.deletePart(id, unique);
        }
    }
}
