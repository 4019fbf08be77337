package io.cachet.internal.write;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers for positional writes, recycled by power-of-two size class so that a download
 * allocates nothing per chunk. Direct, because the JDK copies a heap buffer into a temporary direct
 * one on every channel write.
 *
 * <p>Each class keeps at most {@link #RETAINED_PER_CLASS} idle buffers; beyond that a released
 * buffer is left to the garbage collector. A buffer must be released only by the one party that
 * owns it and never after: a buffer still being filled or written is never released.
 */
final class BufferPool {
    /** The pool every writer of this JVM shares. */
    static final BufferPool SHARED = new BufferPool();

    static final int RETAINED_PER_CLASS = 16;
    private static final int MIN_SHIFT = 12; // 4 KiB
    private static final int MAX_SHIFT = 26; // 64 MiB

    @SuppressWarnings({"unchecked", "rawtypes"}) // Java has no generic array creation.
    private final ConcurrentLinkedQueue<ByteBuffer>[] idle = new ConcurrentLinkedQueue[MAX_SHIFT + 1];

    private final AtomicInteger[] counts = new AtomicInteger[MAX_SHIFT + 1];

    BufferPool() {
        for (int i = MIN_SHIFT; i <= MAX_SHIFT; i++) {
            idle[i] = new ConcurrentLinkedQueue<>();
            counts[i] = new AtomicInteger();
        }
    }

    /** A cleared direct buffer whose limit is {@code size}. */
    ByteBuffer acquire(int size) {
        int shift = shiftFor(size);
        ByteBuffer buffer = idle[shift].poll();
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(1 << shift);
        } else {
            counts[shift].decrementAndGet();
        }
        buffer.clear().limit(size);
        return buffer;
    }

    /** Returns a buffer that nobody will touch again. */
    void release(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        int shift = Integer.numberOfTrailingZeros(capacity);
        if (!buffer.isDirect() || Integer.bitCount(capacity) != 1 || shift < MIN_SHIFT || shift > MAX_SHIFT) {
            return;
        }
        if (counts[shift].incrementAndGet() <= RETAINED_PER_CLASS) {
            idle[shift].offer(buffer);
        } else {
            counts[shift].decrementAndGet();
        }
    }

    static int shiftFor(int size) {
        if (size <= 0 || size > (1 << MAX_SHIFT)) {
            throw new IllegalArgumentException("buffer size out of range: " + size);
        }
        int shift = 32 - Integer.numberOfLeadingZeros(size - 1);
        return Math.max(shift, MIN_SHIFT);
    }
}
