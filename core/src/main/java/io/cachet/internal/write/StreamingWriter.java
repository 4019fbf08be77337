package io.cachet.internal.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Streams a body into a part file: copies each chunk into a few large direct buffers, and sends
 * every full buffer down two lanes at once, a write lane (positional writes through an {@link
 * AsynchronousFileChannel}) and a hash lane (SHA-256), each running on the I/O executor, one buffer
 * at a time and in order. The network, the digest and the disk therefore overlap: while the event
 * loop fills buffer {@code n+2}, one I/O thread hashes buffer {@code n+1} and another writes it.
 *
 * <p>Design:
 *
 * <ul>
 *   <li><b>One copy.</b> A chunk is copied once, into the buffer being filled, during {@code
 *       onNext}; after that the origin may recycle it (the SPI contract). Writes are a buffer at a
 *       time ({@code bufferSize}, 512 KiB by default) instead of one per 8 KiB network chunk.
 *   <li><b>Order.</b> Each lane handles one buffer at a time, in stream order; short writes are
 *       continued at the right offset. A buffer returns to the pool once both lanes are done with
 *       it. {@link #position()} is where both lanes have got to: that many bytes are on disk and
 *       exactly those bytes are in the digest, so an interrupted attempt resumes from there.
 *   <li><b>Early sync.</b> Every {@code syncEvery} bytes written, the file's data is flushed to the
 *       device in the background ({@code force(false)}), so the commit's final {@code fsync} only
 *       has the tail left instead of the whole file.
 *   <li><b>Backpressure.</b> Demand is counted in bytes: more chunks are requested only while the
 *       bytes not yet through both lanes, plus the largest chunk seen times the outstanding demand,
 *       fit in {@code maxBuffers * bufferSize}. A slow disk or digest therefore stops the origin.
 *   <li><b>Limits.</b> A chunk that would take the artifact past {@code limit} cancels the body at
 *       once ({@link Overflow}). A watchdog on the timer fails the attempt with {@link Stalled}
 *       when no bytes arrive for {@code idleTimeout} while data is wanted, or when less than
 *       {@code minBytesPerSecond} arrives over a whole {@code window} of wanting data.
 *   <li><b>Endings.</b> A transfer that breaks or stalls is <em>interrupted</em>: what arrived is
 *       still written and hashed, then the attempt fails. An overflow, a failed write or sync, or a
 *       cancellation <em>fails</em> it: nothing more is started. Either way the writer signals only
 *       once nothing is in flight, so the caller may close the channel.
 * </ul>
 *
 * <p>One range of several ({@link #ranges}): the same writer then streams one response body into
 * the artifact's bytes {@code [start, end)} of a part file that other writers fill at the same
 * time. Each buffer, once written, goes down its hash lane to the part's in-order hasher, which
 * takes it only if it is next in the artifact (otherwise its bytes are read back from disk once the
 * prefix before them is complete, never held in memory); its end may shrink while it runs ({@link #shrinkTo}), when
 * another connection takes over the rest, and reaching it ends the writer successfully.
 *
 * <p>Concurrency: the upstream signals {@code onNext}/{@code onComplete}/{@code onError} serially
 * on its own thread, and only that thread touches {@code filling}, {@code fillStart} and {@code
 * accepted}. Write completions, hash tasks, syncs and the watchdog run on other threads. What they
 * share is guarded by the {@code Run} monitor; sections only move buffers between queues and update
 * counters, and no I/O, hashing, callback or signal happens while it is held.
 */
public final class StreamingWriter {

    /** Told as the download advances. Called from the I/O threads, never concurrently. */
    public interface Listener {
        /**
         * The artifact's first {@code bytes} are written and hashed (one stream); or, for {@link
         * #ranges}, {@code bytes} of the artifact are written, wherever they are.
         */
        void written(long bytes);

        /**
         * The SHA-256 of exactly the first {@code position} bytes, taken every {@code checkpointEvery}
         * bytes (for resuming later without trusting unverified bytes).
         */
        default void checkpoint(long position, byte[] sha256OfPrefix) {}
    }

    /**
     * How a writer runs.
     *
     * @param executor where the hash lane and background syncs run (the write lane completes there too)
     * @param timer where the watchdog ticks
     * @param syncEvery flush the file's data to the device every this many bytes written (0: never)
     * @param checkpointEvery report a prefix digest every this many bytes hashed (0: never)
     */
    public record Settings(
            int bufferSize,
            int maxBuffers,
            Executor executor,
            Scheduler timer,
            Duration idleTimeout,
            long minBytesPerSecond,
            Duration window,
            long syncEvery,
            long checkpointEvery) {}

    private final AsynchronousFileChannel channel;
    private final @Nullable MessageDigest digest; // One stream's; a range's bytes go to the part's hasher instead.
    private final long start;
    private final long limit;
    private final Settings settings;
    private final long budget;
    private final Listener listener;

    private volatile long position;
    private volatile long hashedThrough;

    // One range of several: the part's shared hasher and accounting; null for one stream.
    private final @Nullable RangeWriter shared;
    private final Object claims = new Object();
    private long end; // Guarded by claims: where this range stops; shrinks when another stream takes the rest.
    private long claimed; // Guarded by claims: the bytes before it are this writer's to write.
    private volatile @Nullable Run run;
    private volatile @Nullable String stopped; // Why stop() was called, also before write() started.

    /**
     * @param position where the body starts in the file; {@code digest} already holds the bytes
     *     before it
     * @param limit the largest size the file may reach
     */
    public StreamingWriter(
            AsynchronousFileChannel channel,
            long position,
            MessageDigest digest,
            long limit,
            Settings settings,
            Listener listener) {
        this.channel = channel;
        this.start = position;
        this.position = position;
        this.hashedThrough = position;
        this.digest = digest;
        this.limit = limit;
        this.settings = settings;
        this.budget = (long) settings.bufferSize() * settings.maxBuffers();
        this.listener = listener;
        this.shared = null;
    }

    /** One range, {@code [start, end)}, of the part that {@code shared} writes. */
    StreamingWriter(AsynchronousFileChannel channel, long start, long end, RangeWriter shared, Settings settings) {
        this.channel = channel;
        this.start = start;
        this.position = start;
        this.hashedThrough = start;
        this.digest = null;
        this.limit = end;
        this.settings = settings;
        this.budget = (long) settings.bufferSize() * settings.maxBuffers();
        this.listener = bytes -> {};
        this.shared = shared;
        this.end = end;
        this.claimed = start;
    }

    /**
     * A writer of several ranges of one part file at once, for a download over parallel connections.
     *
     * @param channel the part file
     * @param hashedThrough how many bytes from 0 are already in {@code digest} (and on disk)
     * @param digest the SHA-256 of exactly those bytes; updated in order as the prefix grows
     * @param length the artifact's size
     * @param settings for each range's writer ({@code bufferSize} and {@code maxBuffers} are per range),
     *     and {@code syncEvery} and {@code checkpointEvery} for the whole file
     * @param listener told of the bytes on disk, and of checkpoints of the prefix
     */
    public static Ranges ranges(
            AsynchronousFileChannel channel,
            long hashedThrough,
            MessageDigest digest,
            long length,
            Settings settings,
            Listener listener) {
        return new RangeWriter(channel, hashedThrough, digest, length, settings, listener);
    }

    /**
     * The ranges of one part file being written at once, and the in-order SHA-256 of the artifact
     * they make. Thread-safe.
     */
    public interface Ranges {
        /** Bytes {@code [start, end)} are already in the file (kept from an earlier attempt); call before any range is written. */
        void kept(long start, long end);

        /** A writer for the bytes {@code [start, end)}, from one response body; call its {@link #write} once. */
        StreamingWriter open(long start, long end);

        /** Completes once the whole artifact is hashed in order; fails if reading the file back or a sync fails. */
        Mono<Void> hashed();

        /** The SHA-256 of the artifact, once {@link #hashed()} completed. */
        MessageDigest digest();

        /** How many bytes from 0 are hashed. */
        long hashedThrough();

        /** Bytes of the artifact on disk. */
        long onDisk();

        /**
         * Stops hashing what the ranges write, hashes what is on disk right after the hashed prefix,
         * and completes once no read or update is in flight. Then {@link #digest()} holds exactly
         * {@link #hashedThrough()} bytes. Call once the ranges have stopped.
         */
        Mono<Void> quiesce();

        /**
         * The hashed prefix's length and SHA-256, once no update is in flight (waiting a moment for
         * one to end); null if one still is. Blocks briefly: call it on the I/O threads.
         */
        @Nullable
        Checkpoint snapshot();
    }

    /**
     * A prefix of the artifact and the SHA-256 of exactly its bytes.
     *
     * @param length the prefix's length
     * @param sha256 its digest
     */
    public record Checkpoint(long length, byte[] sha256) {}

    /** This writer's first byte. */
    public long start() {
        return start;
    }

    /** Where this writer stops: the end of its range, which {@link #shrinkTo} may bring closer. */
    public long end() {
        synchronized (claims) {
            return end;
        }
    }

    /**
     * Ends this range at {@code newEnd}, or as close to it as the bytes already taken allow, so that
     * another writer can take the rest; never moves the end further.
     *
     * @return the new end: the rest, from it on, is no longer this writer's
     */
    public long shrinkTo(long newEnd) {
        synchronized (claims) {
            long at = Math.max(newEnd, claimed);
            if (at < end) {
                end = at;
            }
            return end;
        }
    }

    /**
     * Stops a range's writer from outside: the body is cancelled, what arrived is still written, and
     * {@link #write} then fails with {@link Stalled} once nothing is in flight. Nothing happens if
     * it has not started or has already ended.
     */
    public void stop(String reason) {
        stopped = reason;
        Run r = run;
        if (r != null) {
            r.interrupt(new Stalled(reason), false);
        }
    }

    /** Bytes of this range taken from the body so far (for rates). */
    public long received() {
        synchronized (claims) {
            return claimed - start;
        }
    }

    /** How many of {@code n} more bytes this range may take (all of them for one stream). */
    private int claim(int n) {
        synchronized (claims) {
            int take = (int) Math.min(n, end - claimed);
            claimed += take;
            return take;
        }
    }

    /** Whether a range was shrunk and has now taken every byte up to its new end. */
    private boolean shrunkAndFull() {
        synchronized (claims) {
            return claimed == end && end < limit;
        }
    }

    /** Bytes on disk and in the digest: where the next attempt may resume. */
    public long position() {
        return position;
    }

    /**
     * Whether the digest holds exactly {@link #position()} bytes: always after the writer completed
     * or was interrupted; after a hard failure one lane may have got further than the other.
     */
    public boolean digestAtPosition() {
        return hashedThrough == position;
    }

    /**
     * Writes {@code body} from {@link #position()}; completes with the final position once every
     * byte is written and hashed. Fails with the body's error, {@link WriteFailed}, {@link Overflow}
     * or {@link Stalled}, always after the work in flight has finished. Call once.
     */
    public Mono<Long> write(Flux<ByteBuffer> body) {
        return Mono.create(sink -> {
            Run r = new Run(sink);
            run = r;
            sink.onCancel(() -> r.fail(new CancellationException("download cancelled")));
            body.subscribe(r);
            String why = stopped;
            if (why != null) {
                r.interrupt(new Stalled(why), false); // Stopped before it started.
            }
        });
    }

    /** The disk refused a write or a sync. */
    public static final class WriteFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final IOException io;

        WriteFailed(IOException cause) {
            super(cause.getMessage(), cause);
            this.io = cause;
        }

        public IOException io() {
            return io;
        }
    }

    /** The body went past the limit and was cut off. */
    public static final class Overflow extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long limit;
        private final long reached;

        Overflow(long limit, long reached) {
            super("body exceeds " + limit + " bytes (would reach " + reached + ")", null, false, false);
            this.limit = limit;
            this.reached = reached;
        }

        public long limit() {
            return limit;
        }

        public long reached() {
            return reached;
        }
    }

    /** The origin stopped sending, or sends too slowly; the attempt may be retried. */
    public static final class Stalled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stalled(String reason) {
            super(reason, null, false, false);
        }
    }

    /** One full buffer on its way through both lanes. */
    private static final class Slot {
        final ByteBuffer buffer;
        final long at;
        final int length;
        int lanesLeft; // Guarded by the Run.

        Slot(ByteBuffer buffer, long at, int lanes) {
            this.buffer = buffer;
            this.at = at;
            this.length = buffer.remaining();
            this.lanesLeft = lanes;
        }
    }

    private final class Run implements CoreSubscriber<ByteBuffer>, CompletionHandler<Integer, Slot> {
        private final MonoSink<Long> result;
        private @Nullable Subscription upstream;
        private @Nullable Disposable watchdog;

        // Only the upstream's signalling thread touches these.
        private @Nullable ByteBuffer filling;
        private long fillStart = start;
        private long accepted = start;

        // Guarded by this.
        private final ArrayDeque<Slot> toWrite = new ArrayDeque<>();
        private final ArrayDeque<Slot> toHash = new ArrayDeque<>();
        private @Nullable ByteBuffer writeView;
        private boolean writing;
        private boolean hashing;
        private boolean syncing;
        private long written = start;
        private long hashed = start;
        private long lastSync = start;
        private long lastCheckpoint = start;
        private long buffered;
        private long outstanding;
        private long largestChunk = 16 * 1024;
        private boolean upstreamDone;
        private @Nullable Throwable failure; // Hard: nothing more is started.
        private @Nullable Throwable interruption; // Soft: what arrived is written and hashed first.
        private boolean terminated;

        // Written by the upstream thread, read by the watchdog.
        private volatile long received;

        private final ProgressRelay progress = new ProgressRelay(start, () -> position, listener::written);

        // Only the watchdog touches these.
        private long lastReceived = -1;
        private long idleSinceNanos;
        private long windowStartNanos;
        private long windowStartBytes;

        Run(MonoSink<Long> result) {
            this.result = result;
        }

        // ---- upstream ---------------------------------------------------------------------------

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            boolean done;
            synchronized (this) {
                done = upstreamDone;
            }
            if (done) {
                s.cancel(); // Stopped or failed before the body was subscribed: never take a byte of it.
                return;
            }
            startWatchdog();
            requestMore();
        }

        @Override
        public void onNext(ByteBuffer chunk) {
            int n = chunk.remaining();
            synchronized (this) {
                if (terminated || failure != null || interruption != null) {
                    return;
                }
                outstanding--;
                largestChunk = Math.max(largestChunk, n);
            }
            boolean last = false;
            if (shared == null) {
                if (accepted + n > limit) {
                    fail(new Overflow(limit, accepted + n));
                    return;
                }
            } else {
                int take = claim(n);
                last = take < n || shrunkAndFull();
                if (take < n) {
                    chunk.limit(chunk.position() + take); // The rest is another range's, or past the one asked for.
                    n = take;
                }
            }
            accepted += n;
            received += n;
            List<Slot> full = null;
            while (chunk.hasRemaining()) {
                ByteBuffer target = filling;
                if (target == null) {
                    target = BufferPool.SHARED.acquire(settings.bufferSize());
                    filling = target;
                }
                int take = Math.min(target.remaining(), chunk.remaining());
                int end = chunk.limit();
                chunk.limit(chunk.position() + take);
                target.put(chunk);
                chunk.limit(end);
                if (!target.hasRemaining()) {
                    if (full == null) {
                        full = new ArrayList<>(2);
                    }
                    full.add(seal(target));
                }
            }
            synchronized (this) {
                buffered += n;
                if (full != null) {
                    for (Slot slot : full) {
                        enqueue(slot);
                    }
                }
            }
            if (last) {
                endOfRange();
                return;
            }
            pump();
            requestMore();
        }

        /** A range has every byte it wants: what is buffered is written, the body is cancelled, and the writer succeeds. */
        private void endOfRange() {
            Slot last = flushFilling();
            boolean cancel;
            synchronized (this) {
                if (last != null) {
                    enqueue(last);
                }
                cancel = !upstreamDone;
                upstreamDone = true;
            }
            if (cancel && upstream != null) {
                upstream.cancel();
            }
            pump();
        }

        /**
         * Queues a full buffer. One stream's goes down both lanes at once. A range's goes to the write
         * lane only, and to the hash lane once it is written: the part's hasher then never takes bytes
         * that are not on disk, so a prefix it has hashed is a prefix the file holds. Called holding this.
         */
        private void enqueue(Slot slot) {
            toWrite.add(slot);
            if (shared == null) {
                toHash.add(slot);
            }
        }

        /** Turns the buffer being filled into a slot; upstream thread only. */
        private Slot seal(ByteBuffer target) {
            Slot slot = new Slot(target.flip(), fillStart, shared == null ? 2 : 1);
            fillStart += slot.length;
            filling = null;
            return slot;
        }

        @Override
        public void onComplete() {
            Slot last = flushFilling();
            synchronized (this) {
                if (last != null) {
                    enqueue(last);
                }
                upstreamDone = true;
            }
            pump();
        }

        @Override
        public void onError(Throwable t) {
            interrupt(t, true);
        }

        /** The partly filled buffer as a slot, or null (an empty one goes back to the pool). */
        private @Nullable Slot flushFilling() {
            ByteBuffer last = filling;
            if (last == null) {
                return null;
            }
            if (last.position() == 0) {
                filling = null;
                BufferPool.SHARED.release(last);
                return null;
            }
            return seal(last);
        }

        /**
         * The transfer broke, or stalled: the bytes that did arrive are still written and hashed, so
         * that a resume loses as few as possible, and then the attempt fails with {@code t}. From the
         * watchdog, the buffer being filled belongs to the upstream thread and is left alone.
         */
        void interrupt(Throwable t, boolean fromUpstream) {
            boolean cancel;
            synchronized (this) {
                if (terminated || failure != null || interruption != null) {
                    return;
                }
                interruption = t;
                cancel = !fromUpstream && !upstreamDone;
                upstreamDone = true;
            }
            if (fromUpstream) {
                Slot last = flushFilling();
                if (last != null) {
                    synchronized (this) {
                        enqueue(last);
                    }
                }
            } else if (cancel && upstream != null) {
                upstream.cancel();
            }
            pump();
        }

        /** A hard failure: nothing more is started; the writer ends once nothing is in flight. */
        void fail(Throwable t) {
            boolean cancel;
            synchronized (this) {
                if (terminated || failure != null) {
                    return;
                }
                failure = t;
                cancel = !upstreamDone;
                upstreamDone = true;
            }
            if (cancel && upstream != null) {
                upstream.cancel();
            }
            pump();
        }

        // ---- the lanes --------------------------------------------------------------------------

        /** Starts whatever lane is idle and has work, or ends the run once everything has stopped. */
        private void pump() {
            Slot write = null;
            boolean hash = false;
            boolean finish = false;
            synchronized (this) {
                if (terminated) {
                    return;
                }
                if (failure == null) {
                    if (!writing && !toWrite.isEmpty()) {
                        write = toWrite.poll();
                        writing = true;
                        writeView = write.buffer.duplicate();
                    }
                    if (!hashing && !toHash.isEmpty()) {
                        hashing = true;
                        hash = true;
                    }
                }
                if (!writing
                        && !hashing
                        && !syncing
                        && upstreamDone
                        && (failure != null || (toWrite.isEmpty() && toHash.isEmpty()))) {
                    terminated = true;
                    finish = true;
                }
            }
            if (write != null) {
                startWrite(write, write.at);
            }
            if (hash) {
                try {
                    settings.executor().execute(this::hashNext);
                } catch (RuntimeException refused) { // The I/O threads are shutting down (the cache closes).
                    synchronized (this) {
                        hashing = false;
                    }
                    fail(refused);
                }
            }
            if (finish) {
                finish();
            }
        }

        private void startWrite(Slot slot, long at) {
            ByteBuffer view;
            synchronized (this) {
                view = writeView;
            }
            try {
                channel.write(view, at, slot, this);
            } catch (RuntimeException e) {
                failed(e, slot);
            }
        }

        @Override
        public void completed(Integer count, Slot slot) {
            ByteBuffer view;
            synchronized (this) {
                view = writeView;
            }
            if (view != null && view.hasRemaining()) {
                startWrite(slot, slot.at + view.position()); // A short write: continue where it stopped.
                return;
            }
            boolean sync;
            synchronized (this) {
                writing = false;
                writeView = null;
                written = slot.at + slot.length;
                sync = settings.syncEvery() > 0
                        && !syncing
                        && failure == null
                        && written - lastSync >= settings.syncEvery();
                if (sync) {
                    syncing = true;
                    lastSync = written;
                }
                if (shared != null) {
                    toHash.add(slot); // Written: now the part's hasher may take it (in this section, so pump waits for
                    // it).
                }
            }
            if (sync) {
                settings.executor().execute(this::syncInBackground);
            }
            if (shared != null) {
                pump();
                return;
            }
            laneDone(slot);
        }

        @Override
        public void failed(Throwable t, Slot slot) {
            synchronized (this) {
                writing = false;
                writeView = null;
            }
            fail(t instanceof IOException io ? new WriteFailed(io) : t);
            if (shared != null) {
                synchronized (this) {
                    buffered -= slot.length; // Never hashed, never reported written.
                }
                BufferPool.SHARED.release(slot.buffer);
                pump();
                return;
            }
            laneDone(slot);
        }

        /** The hash lane: buffers one at a time, in order, until none is left (on the I/O executor). */
        private void hashNext() {
            while (true) {
                Slot slot;
                synchronized (this) {
                    slot = failure == null ? toHash.poll() : null;
                    if (slot == null) {
                        hashing = false;
                    }
                }
                if (slot == null) {
                    pump();
                    return;
                }
                long at = slot.at + slot.length;
                RangeWriter ranges = shared;
                if (ranges != null) {
                    ranges.offer(slot.at, slot.buffer.duplicate()); // Hashed now if it is next; else read back later.
                    synchronized (this) {
                        hashed = at;
                    }
                    laneDone(slot);
                    continue;
                }
                MessageDigest d = java.util.Objects.requireNonNull(digest, "one stream has a digest");
                d.update(slot.buffer.duplicate());
                boolean checkpoint;
                synchronized (this) {
                    hashed = at;
                    checkpoint = settings.checkpointEvery() > 0 && at - lastCheckpoint >= settings.checkpointEvery();
                    if (checkpoint) {
                        lastCheckpoint = at;
                    }
                }
                if (checkpoint) {
                    listener.checkpoint(at, copy(d).digest()); // Only this lane touches the digest.
                }
                laneDone(slot);
            }
        }

        private void syncInBackground() {
            try {
                channel.force(false);
            } catch (IOException e) {
                fail(new WriteFailed(e)); // Never retried: a failed flush may have lost the data (fsyncgate).
            } catch (RuntimeException e) {
                fail(e);
            } finally {
                synchronized (this) {
                    syncing = false;
                }
                pump();
            }
        }

        /** One lane is through {@code slot}; once both are, its buffer goes back and progress moves. */
        private void laneDone(Slot slot) {
            boolean free;
            synchronized (this) {
                free = --slot.lanesLeft == 0;
                if (free) {
                    buffered -= slot.length;
                    position = Math.min(written, hashed);
                }
            }
            if (free) {
                RangeWriter ranges = shared;
                if (ranges != null) {
                    ranges.written(
                            slot.at,
                            slot.at + slot.length); // After the hash lane: it took the bytes, or they are read back.
                }
                BufferPool.SHARED.release(slot.buffer);
                progress.report();
            }
            pump();
            requestMore();
        }

        private void finish() {
            stopWatchdog();
            Set<Slot> unused = new LinkedHashSet<>();
            Throwable error;
            long through;
            long hashedFinal;
            synchronized (this) {
                unused.addAll(toWrite);
                unused.addAll(toHash);
                toWrite.clear();
                toHash.clear();
                error = failure != null ? failure : interruption;
                through = Math.min(written, hashed);
                hashedFinal = hashed;
            }
            for (Slot slot : unused) {
                BufferPool.SHARED.release(slot.buffer);
            }
            position = through;
            hashedThrough = hashedFinal;
            if (error == null) {
                result.success(through);
            } else {
                result.error(error);
            }
        }

        private void requestMore() {
            long n;
            synchronized (this) {
                if (terminated || failure != null || upstreamDone) {
                    return;
                }
                long room = budget - buffered - outstanding * largestChunk;
                n = room / largestChunk;
                if (n <= 0 && outstanding == 0 && buffered < budget) {
                    n = 1; // Buffers smaller than the chunk guess (a small artifact): one at a time, never none.
                }
                long batch = Math.max(1, budget / largestChunk / 4);
                if (n <= 0 || (outstanding > 0 && n < batch)) {
                    return;
                }
                outstanding += n;
            }
            Subscription s = upstream;
            if (s != null) {
                s.request(n);
            }
        }

        // ---- the watchdog: idle and minimum-throughput checks on the timer ----

        private void startWatchdog() {
            long period = Math.max(
                    1,
                    Math.min(
                                    settings.idleTimeout().toMillis(),
                                    settings.window().toMillis())
                            / 4);
            long now = settings.timer().now(TimeUnit.NANOSECONDS);
            idleSinceNanos = now;
            windowStartNanos = now;
            watchdog = settings.timer().schedulePeriodically(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        private void stopWatchdog() {
            Disposable w = watchdog;
            if (w != null) {
                w.dispose();
            }
        }

        private void check() {
            long now = settings.timer().now(TimeUnit.NANOSECONDS);
            long bytes = received;
            boolean wanting;
            synchronized (this) {
                if (terminated) {
                    return;
                }
                wanting = outstanding > 0 && !upstreamDone;
            }
            Duration idle = settings.idleTimeout();
            if (bytes != lastReceived || !wanting) {
                lastReceived = bytes;
                idleSinceNanos = now;
            } else if (now - idleSinceNanos >= idle.toNanos()) {
                interrupt(new Stalled("no bytes arrived for " + idle.toMillis() + " ms"), false);
                return;
            }
            long minimum = settings.minBytesPerSecond();
            Duration window = settings.window();
            if (!wanting || minimum == 0) {
                windowStartNanos = now;
                windowStartBytes = bytes;
            } else if (now - windowStartNanos >= window.toNanos()) {
                double seconds = (now - windowStartNanos) / 1e9;
                long rate = (long) ((bytes - windowStartBytes) / seconds);
                if (rate < minimum) {
                    interrupt(
                            new Stalled("only " + rate + " bytes/s arrived over " + window.toMillis()
                                    + " ms, below the minimum of " + minimum + " bytes/s"),
                            false);
                    return;
                }
                windowStartNanos = now;
                windowStartBytes = bytes;
            }
        }
    }

    static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned on every JDK", e);
        }
    }
}
