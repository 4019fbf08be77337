package io.cachet.internal.fetch;

import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.internal.store.Store;
import io.cachet.internal.write.StreamingWriter;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The part of one download attempt that fetches the artifact in parallel ranges, once the first
 * answer showed that the origin serves ranges (docs/architecture.md, "Parallel ranges"). It ends
 * with every byte written and the whole artifact hashed in order, or with one of {@link FallBack},
 * {@link Download.Restart} or {@link GaveUp} once every connection has stopped.
 *
 * <pre>
 * first answer ─▶ lane 1 (its body, from the hashed prefix)
 * {@link ConnectionGovernor} ─ every window ─▶ more lanes: {@link RangePlan#next} gives each a piece
 * a lane ends ─ ok ─────────▶ its connection takes the next piece (a gap, a cut, or a slow lane's rest)
 *             ─ failed ─────▶ another source left: the source is dropped, the rest goes to another at once
 *                             else the rest of that range alone is asked again after the backoff
 *             ─ 200, wrong range ─▶ {@link FallBack}: one stream from the hashed prefix
 *             ─ other validators ─▶ {@link Download.Restart}: the artifact changed, start over
 *             ─ disk, overflow ───▶ {@link GaveUp}
 * </pre>
 *
 * <p>Concurrency: lanes start and end on whatever threads their origin and writer signal on. The
 * plan, the lanes and the ending are guarded by this; requests are started, events emitted and
 * the sidecar written only after the monitor is released (an origin may answer synchronously).
 */
final class RangeDownload {
    /** The sidecar records the ranges on disk again after this many more bytes. */
    static final long RECORD_EVERY = 16L * 1024 * 1024;

    private final Download.Context ctx;
    private final Key key;
    private final PartFile part;
    private final int generation; // The part's bytes these ranges write to.
    private final Mirrors mirrors;
    private final Retries retries;
    private final Download.Parallelism parallelism;
    private final long length;
    private final long expectedSize;
    private final StreamingWriter.Ranges writer;
    private final ConnectionGovernor governor;
    private final ProgressReporter progress;
    private final AtomicReference<CacheEvent.Connections> announced = new AtomicReference<>();

    // Guarded by this.
    private final RangePlan plan;
    private final List<Lane> lanes = new ArrayList<>();
    private long receivedByEnded;
    private int target;
    private @Nullable Throwable ending;
    private boolean settled;
    private @Nullable MonoSink<Long> result;
    private @Nullable Disposable ticker;
    private long recordedAt;

    RangeDownload(
            Download.Context ctx,
            Key key,
            PartFile part,
            Mirrors mirrors,
            Retries retries,
            ProgressReporter progress,
            long length,
            long expectedSize,
            boolean pinned,
            int maxConnections) {
        this.ctx = ctx;
        this.key = key;
        this.part = part;
        this.generation = part.generation();
        this.mirrors = mirrors;
        this.retries = retries;
        this.parallelism = ctx.parallelism();
        this.length = length;
        this.expectedSize = expectedSize;
        this.progress = progress;
        this.governor = new ConnectionGovernor(
                maxConnections,
                parallelism.window().toNanos(),
                Runtime.getRuntime().availableProcessors(),
                parallelism.cpuClock());
        this.target = Math.min(maxConnections, Math.max(1, parallelism.initialConnections()));
        Spans onDisk = new Spans();
        onDisk.add(0, part.position);
        for (Store.Span kept : part.kept) {
            onDisk.add(kept.start(), kept.end());
        }
        this.plan = new RangePlan(
                length,
                onDisk,
                parallelism.minRange(),
                RangePlan.pieceFor(length - onDisk.total(), maxConnections, parallelism.minRange()));
        StreamingWriter.Settings how = new StreamingWriter.Settings(
                Math.max(64 * 1024, ctx.writeBufferSize() / 2),
                3,
                ctx.files(),
                ctx.timer(),
                ctx.idleTimeout(),
                ctx.minBytesPerSecond(),
                ctx.throughputWindow(),
                Download.SYNC_EVERY,
                pinned ? 0 : Download.CHECKPOINT_BYTES);
        this.writer = StreamingWriter.ranges(
                part.channel(), part.position, part.digest, length, how, new StreamingWriter.Listener() {
                    @Override
                    public void written(long bytes) {
                        progress.written(bytes, length);
                        if (bytes - recordedAt() >= RECORD_EVERY) {
                            record();
                        }
                    }

                    @Override
                    public void checkpoint(long at, byte[] sha256OfPrefix) {
                        part.checkpoint(at, io.cachet.Sha256.of(sha256OfPrefix).hex());
                    }
                });
        for (Store.Span kept : part.kept) {
            writer.kept(kept.start(), kept.end());
        }
    }

    /**
     * Fetches every missing byte, starting with {@code first}, the answer {@code from} gave to a
     * request for the bytes from the hashed prefix up to {@code firstEnd}.
     *
     * @return the artifact's length, once every byte is written and hashed
     */
    Mono<Long> run(OriginResponse first, Mirrors.Mirror from, long firstEnd) {
        return Mono.create(sink -> {
            Lane lead = new Lane(from, part.position, firstEnd, 1, true);
            synchronized (this) {
                result = sink;
                plan.assign(lead.start, lead.end);
                lanes.add(lead);
            }
            sink.onCancel(() -> end(new CancellationException("download cancelled")));
            writer.hashed().subscribe(null, e -> end(new GaveUp(storage(e))), this::hashed);
            request(lead, Mono.just(first));
            for (int i = 1; i < target; i++) {
                addConnection();
            }
            long tick = Math.max(1, parallelism.window().toMillis() / 4);
            Disposable t = ctx.timer().schedulePeriodically(this::tick, tick, tick, TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (settled) {
                    t.dispose();
                } else {
                    ticker = t;
                }
            }
        });
    }

    /** The ranges on disk now (done, and what running lanes have written), for the sidecar. */
    synchronized List<Store.Span> onDisk() {
        List<Store.Span> running = new ArrayList<>();
        for (Lane lane : lanes) {
            StreamingWriter w = lane.writer;
            if (w != null && w.position() > lane.start) {
                running.add(new Store.Span(lane.start, w.position()));
            }
        }
        return plan.onDisk(running);
    }

    /** The hashed prefix and its digest (waits a moment for an update in flight; null if it goes on). */
    StreamingWriter.@Nullable Checkpoint snapshot() {
        return writer.snapshot();
    }

    // ---- lanes -------------------------------------------------------------------------------------

    private void addConnection() {
        Lane lane;
        synchronized (this) {
            if (ending != null || settled) {
                return;
            }
            Store.Span range = plan.next(lanes, 0);
            if (range == null) {
                return;
            }
            lane = new Lane(mirrors.pick(), range.start(), range.end(), 1, false);
            lanes.add(lane);
        }
        request(lane, ask(lane));
    }

    private Mono<OriginResponse> ask(Lane lane) {
        Mirrors.Mirror m = lane.source;
        OriginRequest request = new OriginRequest(
                m.source.uri(), lane.start, lane.end, mirrors.validators(m), m.source.headers(), expectedSize);
        return m.source
                .origin()
                .open(request)
                .timeout(ctx.idleTimeout(), ctx.timer())
                .doOnDiscard(OriginResponse.class, late -> discard(late.body()))
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("the origin answered nothing")));
    }

    private void request(Lane lane, Mono<OriginResponse> answer) {
        synchronized (this) {
            if (!lanes.contains(lane)) {
                return; // The download ended while this lane waited to be asked again.
            }
            lane.asked = true;
            mirrors.connected(lane.source, 1);
        }
        announce();
        Disposable d = answer.flatMap(response -> write(lane, response))
                .subscribe(at -> {}, error -> ended(lane, error), () -> ended(lane, null));
        synchronized (this) {
            lane.subscription = d;
        }
    }

    /** Checks a lane's answer and streams its body, or refuses it. */
    private Mono<Long> write(Lane lane, OriginResponse response) {
        Throwable refused = refusal(lane, response);
        if (refused != null) {
            discard(response.body());
            return Mono.error(refused);
        }
        StreamingWriter w;
        synchronized (this) {
            if (ending != null) {
                discard(response.body());
                return Mono.empty();
            }
            w = writer.open(lane.start, lane.end);
            lane.writer = w;
            lane.since = ctx.timer().now(TimeUnit.NANOSECONDS);
        }
        mirrors.wrote(lane.source);
        return w.write(response.body());
    }

    private @Nullable Throwable refusal(Lane lane, OriginResponse response) {
        if ((response.length() >= 0 && response.length() != length)
                || !mirrors.answered(lane.source, response.validators())) {
            return new Changed("the artifact changed at " + lane.source.url + " while it was downloaded (its "
                    + (response.length() >= 0 && response.length() != length ? "length" : "validators")
                    + " changed)");
        }
        boolean wholeFromZero = lane.first && lane.start == 0 && response.status() == OriginResponse.Status.FULL;
        if (response.status() != OriginResponse.Status.PARTIAL && !wholeFromZero) {
            return new RangesRefused("the origin answered a request for bytes " + lane.start + "-" + (lane.end - 1)
                    + " with the whole artifact: it no longer serves ranges");
        }
        if (response.status() == OriginResponse.Status.PARTIAL && response.offset() != lane.start) {
            return new RangesRefused("the origin answered a request for bytes from " + lane.start + " with bytes from "
                    + response.offset());
        }
        return null;
    }

    /** A lane stopped: account for what it wrote, then decide what comes next. */
    private void ended(Lane lane, @Nullable Throwable error) {
        Runnable next;
        synchronized (this) {
            if (!lanes.remove(lane)) {
                return;
            }
            StreamingWriter w = lane.writer;
            long reached = w == null ? lane.start : w.position();
            long end = w == null ? lane.end : w.end();
            receivedByEnded += lane.received();
            Throwable why = error;
            if (why == null && reached < end && ending == null) {
                why = OriginFailure.transientFailure("the answer for bytes " + lane.start + "-" + (end - 1)
                        + " ended after " + (reached - lane.start) + " bytes");
            }
            if (ending != null) {
                plan.ended(lane.start, reached, end);
                next = lanes.isEmpty() ? this::settleEnding : () -> {};
            } else if (why == null) {
                plan.ended(lane.start, reached, end);
                next = () -> replace(lane);
            } else {
                plan.ended(lane.start, reached, reached); // The rest stays this range's: asked again, maybe elsewhere.
                Throwable failure = why;
                next = () -> failed(lane, reached, end, failure);
            }
            if (lane.asked) {
                mirrors.connected(lane.source, -1);
            }
        }
        announce();
        next.run();
    }

    /** After a lane finished its range: its connection takes the next one, if the download wants it. */
    private void replace(Lane done) {
        Lane lane;
        synchronized (this) {
            if (ending != null || lanes.size() >= target) {
                return;
            }
            Store.Span range = plan.next(lanes, done.rate(ctx.timer().now(TimeUnit.NANOSECONDS)));
            if (range == null) {
                return;
            }
            Mirrors.Mirror source = mirrors.isDropped(done.source) ? mirrors.pick() : done.source;
            lane = new Lane(source, range.start(), range.end(), 1, false);
            lanes.add(lane);
        }
        record();
        request(lane, ask(lane));
    }

    /** A lane failed with {@code error} before {@code [from, end)} was written. */
    private void failed(Lane lane, long from, long end, Throwable error) {
        Mirrors.Mirror source = lane.source;
        boolean otherSource = mirrors.hasOtherThan(source);
        if (error instanceof RangesRefused || isUnusableRange(error)) {
            if (otherSource && mirrors.drop(source)) {
                retry(lane, source, from, end, Duration.ZERO, classify(source, error, lane.attempts));
            } else {
                end(new FallBack(String.valueOf(error.getMessage())));
            }
            return;
        }
        if (error instanceof Changed changed) {
            if (otherSource && mirrors.drop(source)) {
                retry(lane, source, from, end, Duration.ZERO, classify(source, error, lane.attempts));
            } else {
                end(new Download.Restart(String.valueOf(changed.getMessage()), null));
            }
            return;
        }
        CachetException failure = classify(source, error, lane.attempts);
        if (!(failure instanceof OriginException origin)) {
            end(new GaveUp(failure)); // The disk, or an overflow: no other connection can do better.
            return;
        }
        if (from >= end) {
            replace(lane); // Stopped exactly at its end (a slower lane whose rest was taken over): nothing to retry.
            return;
        }
        if (mirrors.drop(source)) {
            retry(lane, source, from, end, Duration.ZERO, origin);
            return;
        }
        Duration delay = retries.delayAfter(lane.attempts, origin);
        if (delay == null) {
            end(new GaveUp(retries.givingUp(origin, source.failures)));
            return;
        }
        retry(lane, source, from, end, delay, origin);
    }

    /** Asks for {@code [from, end)} alone again, after {@code delay}, of the source in use. */
    private void retry(Lane failed, Mirrors.Mirror from, long start, long end, Duration delay, CachetException why) {
        Mirrors.Mirror source = mirrors.isDropped(from) ? mirrors.pick() : from;
        Lane lane = new Lane(source, start, end, source == from ? failed.attempts + 1 : 1, false);
        synchronized (this) {
            if (ending != null) {
                plan.ended(start, start, end);
                return;
            }
            lanes.add(lane);
        }
        ctx.events().accept(new CacheEvent.Retrying(key, failed.attempts, delay, why));
        if (delay.isZero()) {
            request(lane, ask(lane));
            return;
        }
        Disposable wait = ctx.timer().schedule(() -> request(lane, ask(lane)), delay.toNanos(), TimeUnit.NANOSECONDS);
        synchronized (this) {
            lane.subscription = wait;
        }
    }

    // ---- the governor ---------------------------------------------------------------------------------

    private void tick() {
        int add;
        synchronized (this) {
            if (ending != null || settled) {
                return;
            }
            int flowing = 0;
            long received = receivedByEnded;
            for (Lane lane : lanes) {
                received += lane.received();
                flowing += lane.writer != null ? 1 : 0;
            }
            add = governor.tick(ctx.timer().now(TimeUnit.NANOSECONDS), received, lanes.size(), flowing);
            target = Math.max(1, target + add); // Fewer: lanes beyond it are not replaced when their piece ends.
        }
        for (int i = 0; i < add; i++) {
            addConnection();
        }
    }

    // ---- the end ----------------------------------------------------------------------------------

    /** Every byte is hashed: done. */
    private void hashed() {
        settle(null);
    }

    /** Stops every lane; once none is left and the hasher is quiet, the download ends with {@code why}. */
    private void end(Throwable why) {
        List<StreamingWriter> stopping = new ArrayList<>();
        List<Disposable> cancelling = new ArrayList<>();
        boolean none;
        synchronized (this) {
            if (ending != null || settled) {
                return;
            }
            ending = why;
            Disposable t = ticker;
            if (t != null) {
                t.dispose();
            }
            for (Lane lane : new ArrayList<>(lanes)) {
                StreamingWriter w = lane.writer;
                if (w != null) {
                    stopping.add(w); // Its writer ends once nothing is in flight; then the lane ends.
                } else {
                    lanes.remove(lane); // Not writing yet: nothing in flight.
                    plan.ended(lane.start, lane.start, lane.end);
                    if (lane.asked) {
                        mirrors.connected(lane.source, -1);
                    }
                    Disposable d = lane.subscription;
                    if (d != null) {
                        cancelling.add(d);
                    }
                }
            }
            none = lanes.isEmpty();
        }
        cancelling.forEach(Disposable::dispose);
        String reason = why instanceof CancellationException ? "the download was cancelled" : "the download stops";
        stopping.forEach(w -> w.stop(reason));
        if (none) {
            settleEnding();
        }
    }

    private void settleEnding() {
        Throwable why;
        synchronized (this) {
            why = ending;
        }
        if (why != null) {
            writer.quiesce().subscribe(null, e -> settle(why), () -> settle(why));
        }
    }

    private void settle(@Nullable Throwable error) {
        MonoSink<Long> sink;
        List<Disposable> leftovers = new ArrayList<>();
        synchronized (this) {
            if (settled) {
                return;
            }
            settled = true;
            sink = result;
            Disposable t = ticker;
            if (t != null) {
                t.dispose();
            }
            if (error == null) {
                for (Lane lane : lanes) {
                    if (lane.subscription != null) {
                        leftovers.add(lane.subscription); // Nothing left to fetch: only a retry wait could be here.
                    }
                }
                lanes.clear();
            }
        }
        leftovers.forEach(Disposable::dispose);
        if (sink == null) {
            return;
        }
        if (error == null) {
            part.position = length;
            part.digest = writer.digest();
            part.kept = List.of();
            sink.success(length);
        } else {
            if (error instanceof FallBack) {
                part.position = writer.hashedThrough();
                part.digest = writer.digest();
            }
            sink.error(error);
        }
        announce();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private synchronized long recordedAt() {
        return recordedAt;
    }

    /** Records the ranges on disk in the sidecar, on the I/O threads, so that a crash loses little. */
    private void record() {
        List<Store.Span> spans;
        synchronized (this) {
            if (settled) {
                return;
            }
            spans = onDisk();
            long bytes = 0;
            for (Store.Span s : spans) {
                bytes += s.length();
            }
            recordedAt = bytes;
        }
        ctx.io().schedule(() -> part.recordRanges(generation, spans));
    }

    /** Tells who is listening how many connections are open now, and to which sources, when that changed. */
    private void announce() {
        CacheEvent.Connections now;
        synchronized (this) {
            int open = 0;
            for (Lane lane : lanes) {
                open += lane.asked ? 1 : 0;
            }
            if (settled) {
                open = 0;
            }
            now = new CacheEvent.Connections(key, open, open == 0 ? List.of() : mirrors.inUse());
        }
        CacheEvent.Connections before = announced.getAndSet(now);
        if (before == null
                || before.connections() != now.connections()
                || !before.sources().equals(now.sources())) {
            ctx.events().accept(now);
        }
    }

    /** A failure to write, sync or read back the part file. */
    private CachetException storage(Throwable e) {
        if (e instanceof StreamingWriter.WriteFailed w) {
            return Failures.storage(part.path(), "write", w.io());
        }
        if (e instanceof java.io.IOException io) {
            return Failures.storage(part.path(), "read back", io);
        }
        return mirrors.primary().failures.classify(e, 1, part.path(), length);
    }

    private CachetException classify(Mirrors.Mirror source, Throwable error, int attempts) {
        return source.failures.classify(error, attempts, part.path(), length);
    }

    private static boolean isUnusableRange(Throwable error) {
        return error instanceof OriginFailure f && (f.isUnusableRange() || f.status() == 416);
    }

    static void discard(Flux<ByteBuffer> body) {
        body.subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.cancel();
            }
        });
    }

    /** One connection's range: waiting to be asked again, asked, or streaming into its writer. */
    private final class Lane implements RangePlan.Work {
        final Mirrors.Mirror source;
        final long start;
        final long end; // As asked; the writer's end may come closer.
        final int attempts;
        final boolean first;
        volatile @Nullable StreamingWriter writer;
        volatile long since;

        @Nullable
        Disposable subscription; // Guarded by the RangeDownload.

        volatile boolean asked; // Its request was started: it holds a connection.

        Lane(Mirrors.Mirror source, long start, long end, int attempts, boolean first) {
            this.source = source;
            this.start = start;
            this.end = end;
            this.attempts = attempts;
            this.first = first;
        }

        long received() {
            StreamingWriter w = writer;
            return w == null ? 0 : w.received();
        }

        double rate(long now) {
            long elapsed = now - since;
            return writer == null || elapsed <= 0 ? 0 : received() * 1e9 / elapsed;
        }

        @Override
        public long position() {
            return start + received();
        }

        @Override
        public long end() {
            StreamingWriter w = writer;
            return w == null ? end : w.end();
        }

        @Override
        public long shrinkTo(long at) {
            StreamingWriter w = writer;
            return w == null ? end : w.shrinkTo(at);
        }

        @Override
        public double rate() {
            return rate(ctx.timer().now(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean flowing() {
            return writer != null;
        }
    }

    // ---- how a download in ranges can end, besides success ---------------------------------------------

    /** Ranges cannot be used any more: go on as one stream from the hashed prefix. */
    static final class FallBack extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FallBack(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A failure no retry can mend: the download fails with it. */
    static final class GaveUp extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient CachetException failure;

        GaveUp(CachetException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }

        CachetException failure() {
            return failure;
        }
    }

    /** An answer to a range that is not that range. */
    private static final class RangesRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RangesRefused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** An answer from another version of the artifact. */
    private static final class Changed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Changed(String reason) {
            super(reason, null, false, false);
        }
    }
}
