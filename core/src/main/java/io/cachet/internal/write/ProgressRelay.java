package io.cachet.internal.write;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Tells a listener the latest of a growing count, one call at a time, from whichever thread gets
 * there first (a lock-free queue-drain): writes complete on many threads, and a listener is told
 * serially, never twice the same value, never a smaller one. No thread waits for another.
 */
final class ProgressRelay {
    private final AtomicInteger wip = new AtomicInteger();
    private final LongSupplier current;
    private final LongConsumer listener;
    private long reported; // Only the draining thread touches it.

    /**
     * @param from the count already known to the listener
     * @param current reads the count now
     */
    ProgressRelay(long from, LongSupplier current, LongConsumer listener) {
        this.reported = from;
        this.current = current;
        this.listener = listener;
    }

    /** The count may have grown: tell the listener, unless another thread is telling it already. */
    void report() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            long now = current.getAsLong();
            if (now > reported) {
                reported = now;
                listener.accept(now);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }
}
