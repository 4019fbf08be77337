package io.cachet.internal.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Several ranges of one part file written at once ({@link StreamingWriter#ranges}): one {@link
 * StreamingWriter} per range, each with a few buffers of its own, and one {@link PrefixHasher} for
 * the whole artifact. Memory is therefore bounded by the ranges' buffers plus one read-back
 * buffer, however far ahead of the hashed prefix the ranges get.
 *
 * <p>It also does for the whole file what one stream's writer does for itself: counts the bytes on
 * disk for progress, and flushes the file's data to the device in the background every {@code
 * syncEvery} bytes, so that the commit's final sync is short.
 *
 * <p>Thread-safe: ranges report from their I/O threads; progress is told one call at a time.
 */
final class RangeWriter implements StreamingWriter.Ranges {
    /** How long a snapshot waits for an update in flight: one chunk read back and hashed, with room. */
    static final java.time.Duration SNAPSHOT_PATIENCE = java.time.Duration.ofSeconds(2);

    private final AsynchronousFileChannel channel;
    private final StreamingWriter.Settings rangeSettings;
    private final StreamingWriter.Settings settings;
    private final StreamingWriter.Listener listener;
    private final PrefixHasher hasher;
    private final AtomicLong onDisk = new AtomicLong();
    private final AtomicLong sinceSync = new AtomicLong();
    private final AtomicBoolean syncing = new AtomicBoolean();
    private final ProgressRelay progress;

    RangeWriter(
            AsynchronousFileChannel channel,
            long hashedThrough,
            MessageDigest digest,
            long length,
            StreamingWriter.Settings settings,
            StreamingWriter.Listener listener) {
        this.channel = channel;
        this.settings = settings;
        this.rangeSettings = new StreamingWriter.Settings(
                settings.bufferSize(),
                settings.maxBuffers(),
                settings.executor(),
                settings.timer(),
                settings.idleTimeout(),
                settings.minBytesPerSecond(),
                settings.window(),
                0, // The file is synced here, for all ranges.
                0); // The prefix is checkpointed by the hasher.
        this.listener = listener;
        this.hasher = new PrefixHasher(channel, digest, hashedThrough, length, settings.checkpointEvery(), listener);
        this.onDisk.set(hashedThrough);
        this.progress = new ProgressRelay(-1, onDisk::get, listener::written);
    }

    @Override
    public void kept(long start, long end) {
        onDisk.addAndGet(end - start);
        hasher.written(start, end);
    }

    @Override
    public StreamingWriter open(long start, long end) {
        return new StreamingWriter(channel, start, end, this, rangeSettings);
    }

    @Override
    public Mono<Void> hashed() {
        return hasher.done();
    }

    @Override
    public MessageDigest digest() {
        return hasher.digest();
    }

    @Override
    public long hashedThrough() {
        return hasher.frontier();
    }

    @Override
    public long onDisk() {
        return onDisk.get();
    }

    @Override
    public Mono<Void> quiesce() {
        return hasher.quiesce();
    }

    @Override
    public StreamingWriter.@Nullable Checkpoint snapshot() {
        return hasher.snapshot(SNAPSHOT_PATIENCE);
    }

    // ---- from the ranges' writers --------------------------------------------------------------------

    /** A range's buffer, before it is released: hashed now if it is next in the artifact. */
    void offer(long at, ByteBuffer bytes) {
        hasher.offer(at, bytes);
    }

    /** A range's bytes {@code [from, to)} are written (and past its hash lane). */
    void written(long from, long to) {
        onDisk.addAndGet(to - from);
        hasher.written(from, to);
        long every = settings.syncEvery();
        if (every > 0 && sinceSync.addAndGet(to - from) >= every && syncing.compareAndSet(false, true)) {
            sinceSync.set(0);
            settings.executor().execute(this::sync);
        }
        progress.report();
    }

    private void sync() {
        try {
            channel.force(false);
        } catch (IOException e) {
            hasher.fail(new StreamingWriter.WriteFailed(e)); // Never retried: a failed flush may have lost the data.
        } catch (RuntimeException e) {
            hasher.fail(e);
        } finally {
            syncing.set(false);
        }
    }
}
