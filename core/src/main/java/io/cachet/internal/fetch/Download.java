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
import io.cachet.spi.Text;
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
 *   └▶ attempt: source.open(from position) ─▶ {@link ResponseCheck} ─▶ {@link StreamingWriter}
 *        └▶ verify size and SHA-256 ─▶ Verified
 *   on failure ({@link Failures} classifies it):
 *     transient origin failure ─▶ wait ({@link Retries}) ─▶ attempt again from the verified position
 *     200 to a resume, a range at the wrong offset, an unusable range, a 416 ─▶ start over from 0, once
 *     digest or size mismatch after a resume ─▶ start over from 0, once; else fail
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
    private final Source source;
    private final KeyId id;
    private final Key key;
    private final String url;
    private final Failures failures;
    private final Retries retries;
    private final ProgressReporter progress;

    private @Nullable PartFile part;
    private @Nullable StreamingWriter writer;
    private long limit = Long.MAX_VALUE;
    private boolean resumed;
    private boolean restarted;
    private int attempts;

    private Download(Context ctx, FetchRequest request, KeyId id, List<Source> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a download needs at least one source");
        }
        this.ctx = ctx;
        this.request = request;
        this.source = sources.get(0);
        this.id = id;
        this.key = request.key();
        this.url = Text.redact(source.uri());
        this.failures = new Failures(key, url, request.sha256(), ctx.idleTimeout());
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
                (p, error) -> Mono.fromRunnable(() -> stop(error)).subscribeOn(ctx.io()),
                p -> Mono.fromRunnable(() -> stop(null)).subscribeOn(ctx.io()));
    }

    private PartFile openPart() {
        PartFile p =
                PartFile.open(ctx, id, Store.Sidecar.uriHash(source.uri()), url, request.isPinned(), request.size());
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
                    PartFile p = part();
                    OriginRequest ask = new OriginRequest(
                            source.uri(),
                            p.position,
                            OriginRequest.TO_THE_END,
                            p.position > 0 ? p.validators : Validators.NONE,
                            source.headers(),
                            request.size());
                    return source.origin()
                            .open(ask)
                            .timeout(ctx.idleTimeout(), ctx.timer())
                            .doOnDiscard(OriginResponse.class, late -> discard(late.body()))
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException("the origin answered nothing")))
                            .flatMap(this::receive)
                            .then(Mono.fromCallable(this::verify));
                })
                .onErrorResume(this::afterFailure);
    }

    private Mono<Long> receive(OriginResponse response) {
        PartFile p = part();
        if (response.status() == OriginResponse.Status.PARTIAL && response.offset() != p.position) {
            discard(response.body());
            return Mono.error(new Restart(
                    "the origin answered a request for bytes from " + p.position + " with bytes from "
                            + response.offset(),
                    null));
        }
        Mono<Void> ready = Mono.empty();
        if (response.status() == OriginResponse.Status.FULL && p.position > 0) {
            ready = Mono.<Void>fromRunnable(this::resetToZero).subscribeOn(ctx.io()); // A 200: restart, never splice.
        }
        AtomicBoolean bodyTaken = new AtomicBoolean();
        return ready.then(Mono.fromCallable(() -> accept(response)).subscribeOn(ctx.io()))
                .doOnError(e -> discard(response.body()))
                .flatMap(resuming -> {
                    bodyTaken.set(true);
                    return write(response, resuming);
                })
                .doOnCancel(() -> {
                    if (!bodyTaken.get()) {
                        discard(response.body()); // Cancelled before the writer took it: let the transport go.
                    }
                });
    }

    /** Checks the declared length and free space, records the validators; true if resuming. */
    private boolean accept(OriginResponse response) throws java.io.IOException {
        PartFile p = part();
        long expected = request.size();
        ResponseCheck.checkLength(expected, response.length(), ctx.maxArtifactSize(), failures);
        limit = ResponseCheck.limit(expected, response.length(), ctx.maxArtifactSize());
        ResponseCheck.checkSpace(
                limit, p.position, ctx.store().usableSpace(), ctx.store().tmp());
        p.recordResponse(response.validators(), response.length());
        return response.status() == OriginResponse.Status.PARTIAL && p.position > 0;
    }

    private Mono<Long> write(OriginResponse response, boolean resuming) {
        PartFile p = part();
        if (resuming) {
            resumed = true;
            ctx.events().accept(new CacheEvent.Resumed(key, p.position));
        }
        ctx.events().accept(new CacheEvent.Started(key, url, p.position, total()));
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
        return resumed && !restarted ? new Restart("a resumed download did not verify", failure) : failure;
    }

    private long expectedSize() {
        long declared = part == null ? -1 : part.declaredLength;
        return request.size() >= 0 ? request.size() : declared >= 0 ? declared : limit;
    }

    // ---- after a failure -------------------------------------------------------------------------

    private Mono<Sha256> afterFailure(Throwable error) {
        if (error instanceof Restart restart) {
            if (restarted) {
                CachetException why = restart.failure;
                return Mono.error(why != null ? why : classify(error));
            }
            return startOver();
        }
        CachetException failure = classify(error);
        if (failure instanceof OriginException originFailure) {
            boolean rangeRefused = originFailure.status() == 416
                    || (originFailure.getCause() instanceof OriginFailure f && f.isUnusableRange());
            if (rangeRefused && part().position > 0 && !restarted) {
                return startOver();
            }
            Duration delay = retries.delayAfter(attempts, originFailure);
            if (delay != null) {
                return pause(delay, new CacheEvent.Retrying(key, attempts, delay, originFailure))
                        .then(Mono.<Void>fromRunnable(() -> part().prepareRetry())
                                .subscribeOn(ctx.io()))
                        .then(attempt());
            }
            Duration asked = originFailure.retryAfter().orElse(null);
            Duration patience = retries.policy().maxRetryAfter();
            if (originFailure.isTransient() && asked != null && asked.compareTo(patience) > 0) {
                return Mono.error(failures.patienceExceeded(originFailure, asked, patience));
            }
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
        part().resetToZero();
    }

    private CachetException classify(Throwable error) {
        if (error instanceof Restart r) {
            return new OriginException(url, 0, attempts, false, null, String.valueOf(r.getMessage()), r);
        }
        Path where = part == null ? ctx.store().tmp() : part.path();
        return failures.classify(error, attempts, where, expectedSize());
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
        StreamingWriter w = writer;
        long at = w != null ? w.position() : p.position;
        boolean transientFailure = error == null
                || (error instanceof CachetException c && c.isTransient() && !(c instanceof StorageException));
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

    /** Start over from byte 0 (once): a resume that was refused or did not verify. */
    private static final class Restart extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient @Nullable CachetException failure;

        Restart(String reason, @Nullable CachetException failure) {
            super(reason, null, false, false);
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
            Consumer<CacheEvent> events) {

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
                    events);
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
