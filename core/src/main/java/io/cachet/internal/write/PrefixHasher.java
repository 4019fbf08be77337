package io.cachet.internal.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The SHA-256 of a part file whose ranges are written in any order, computed in order: the digest
 * always holds exactly the bytes {@code [0, frontier)}.
 *
 * <pre>
 *  0            frontier        on disk, waiting         on disk, waiting
 *  |== hashed ==|   (gap)  ...  |~~~~~~~~~~~~~~|  (gap)  |~~~~~~~~~~|  (gap)  length
 * </pre>
 *
 * <ul>
 *   <li><b>From memory</b> ({@link #offer}): a range writer offers each buffer once it is written,
 *       before it lets go of it; the hasher takes it only if it starts exactly at the frontier and
 *       nothing else is being hashed. The range at the front of the file is therefore hashed as it
 *       streams in, like one stream is. Only written bytes are ever hashed, so the hashed prefix is
 *       always in the file: a download whose every byte is hashed has every byte on disk.
 *   <li><b>From disk</b> ({@link #written}): bytes written past a gap are only noted (a map of
 *       on-disk extents ahead of the frontier); when the frontier reaches them, they are read back
 *       from the file a chunk at a time and hashed. Nothing past a gap is ever held in memory.
 *   <li><b>Checkpoints</b>: every {@code checkpointEvery} bytes of frontier, the listener gets the
 *       prefix's length and digest, so that an unpinned download can resume from proven bytes.
 * </ul>
 *
 * <p>{@link #quiesce} drains: it stops taking buffers, hashes what is already on disk right after
 * the frontier, and then signals, so that a download that stops keeps as long a proven prefix as
 * its disk holds.
 *
 * <p>Concurrency: one thread at a time updates the digest, the one that set {@code busy}; the
 * rest of the state is guarded by this. Reads complete on the channel's executor. No callback is
 * made while the monitor is held.
 */
final class PrefixHasher {
    static final int READ_CHUNK = 512 * 1024;

    private final AsynchronousFileChannel channel;
    private final MessageDigest digest;
    private final long length;
    private final long checkpointEvery;
    private final StreamingWriter.Listener listener;
    private final Sinks.One<Void> done = Sinks.one();

    // Guarded by this.
    private long frontier;
    // On disk, past the frontier, not hashed: start -> end. Writers never overlap, so entries do not
    // either; the one that starts at the frontier is the next to read back.
    private final Map<Long, Long> ahead = new HashMap<>();
    private boolean busy;
    private boolean stopping;
    private Sinks.@Nullable One<Void> quiet;
    private @Nullable Throwable failure;
    private long lastCheckpoint;

    PrefixHasher(
            AsynchronousFileChannel channel,
            MessageDigest digest,
            long frontier,
            long length,
            long checkpointEvery,
            StreamingWriter.Listener listener) {
        this.channel = channel;
        this.digest = digest;
        this.frontier = frontier;
        this.lastCheckpoint = frontier;
        this.length = length;
        this.checkpointEvery = checkpointEvery;
        this.listener = listener;
        if (frontier >= length) {
            done.tryEmitEmpty();
        }
    }

    /**
     * Hashes {@code bytes}, the artifact's bytes from {@code at}, if they are next; else leaves them
     * to be read back from disk.
     *
     * @return whether they were hashed
     */
    boolean offer(long at, ByteBuffer bytes) {
        synchronized (this) {
            if (busy || stopping || failure != null || at != frontier) {
                return false;
            }
            busy = true;
        }
        long to = at + bytes.remaining();
        digest.update(bytes);
        hashedThrough(to);
        return true;
    }

    /** Bytes {@code [from, to)} are on disk: hashed once the frontier reaches them. */
    void written(long from, long to) {
        synchronized (this) {
            if (to <= frontier) {
                return; // Taken from memory already.
            }
            ahead.put(Math.max(from, frontier), to);
        }
        catchUp();
    }

    synchronized long frontier() {
        return frontier;
    }

    Mono<Void> done() {
        return done.asMono();
    }

    /** The digest; exactly the frontier's bytes once {@link #done()} or {@link #quiesce()} completed. */
    MessageDigest digest() {
        return digest;
    }

    /**
     * The frontier and a copy of its digest, once no update is in flight (waiting at most {@code
     * patience} for one to end, which takes one read and hash of a chunk); null if one still is.
     * Blocks: for the I/O threads only.
     */
    synchronized StreamingWriter.@Nullable Checkpoint snapshot(java.time.Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (busy) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return new StreamingWriter.Checkpoint(
                frontier, StreamingWriter.copy(digest).digest());
    }

    /**
     * Stops taking buffers from the writers, hashes from disk what is on disk right after the
     * frontier, then completes: the digest then holds exactly the frontier's bytes, and no update is
     * in flight.
     */
    Mono<Void> quiesce() {
        Sinks.One<Void> signal;
        synchronized (this) {
            stopping = true;
            if (quiet == null) {
                quiet = Sinks.one();
            }
            signal = quiet;
        }
        catchUp();
        settleQuiet();
        return signal.asMono();
    }

    /** Fails the hashing: {@link #done()} signals {@code t}. */
    void fail(Throwable t) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = t;
        }
        done.tryEmitError(t);
    }

    // ---- from disk ---------------------------------------------------------------------------------

    /** Reads back and hashes the extent at the frontier, if there is one and nobody is hashing. */
    private void catchUp() {
        long from;
        long to;
        synchronized (this) {
            if (busy || failure != null) {
                return; // When stopping, what is on disk after the frontier is still hashed (a drain).
            }
            Long end = ahead.remove(frontier);
            if (end == null) {
                return;
            }
            busy = true;
            from = frontier;
            to = Math.min(end, from + READ_CHUNK);
            if (to < end) {
                ahead.put(to, end); // The rest of the extent, for the next read.
            }
        }
        ByteBuffer buffer = BufferPool.SHARED.acquire((int) (to - from));
        read(buffer, from, to);
    }

    private void read(ByteBuffer buffer, long from, long to) {
        try {
            channel.read(buffer, from + buffer.position(), buffer, new CompletionHandler<Integer, ByteBuffer>() {
                @Override
                public void completed(Integer n, ByteBuffer b) {
                    if (n < 0) {
                        failed(
                                new IOException("the part file ends at " + (from + b.position()) + " but bytes up to "
                                        + to + " were written to it"),
                                b);
                        return;
                    }
                    if (b.hasRemaining()) {
                        read(b, from, to); // A short read: go on where it stopped.
                        return;
                    }
                    digest.update(b.flip());
                    BufferPool.SHARED.release(b);
                    hashedThrough(to);
                }

                @Override
                public void failed(Throwable t, ByteBuffer b) {
                    BufferPool.SHARED.release(b);
                    synchronized (PrefixHasher.this) {
                        busy = false;
                        PrefixHasher.this.notifyAll(); // A snapshot may be waiting.
                    }
                    fail(t);
                    settleQuiet();
                }
            });
        } catch (RuntimeException e) {
            BufferPool.SHARED.release(buffer);
            synchronized (this) {
                busy = false;
                notifyAll(); // A snapshot may be waiting.
            }
            fail(e);
            settleQuiet();
        }
    }

    // ---- after each update -------------------------------------------------------------------------

    /** The digest now holds {@code [0, to)}: move the frontier, checkpoint, and go on. Called while busy. */
    private void hashedThrough(long to) {
        byte[] checkpoint = null;
        if (checkpointEvery > 0 && to - lastCheckpoint >= checkpointEvery && to < length) {
            checkpoint = StreamingWriter.copy(digest).digest(); // Still busy: nobody else touches the digest.
        }
        boolean complete;
        synchronized (this) {
            frontier = to;
            if (checkpoint != null) {
                lastCheckpoint = to;
            }
            busy = false;
            notifyAll(); // A snapshot may be waiting.
            complete = to >= length;
        }
        if (checkpoint != null) {
            listener.checkpoint(to, checkpoint);
        }
        if (complete) {
            done.tryEmitEmpty();
        }
        settleQuiet();
        catchUp();
    }

    private void settleQuiet() {
        Sinks.One<Void> signal;
        synchronized (this) {
            boolean drained = failure != null || !ahead.containsKey(frontier);
            signal = stopping && !busy && drained ? quiet : null;
        }
        if (signal != null) {
            signal.tryEmitEmpty();
        }
    }
}
