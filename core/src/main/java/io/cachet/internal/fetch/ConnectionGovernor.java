package io.cachet.internal.fetch;

import java.util.function.LongSupplier;

/**
 * How many connections a download in parallel ranges uses: it starts with a few (one, by
 * default), and doubles them while the total throughput grows, up to the maximum. When a step
 * does not pay off (the origin is not limited per connection, or the disk, the digest or the
 * machine is what limits), it takes the step back (the download lets connections go as their
 * pieces end) and holds for {@link #FIRST_HOLD} windows, then tries again from a fresh baseline;
 * each step that fails again doubles the hold, up to {@link #LONGEST_HOLD} windows. One window
 * spoiled by noise (a burst at a request's start, another process) therefore costs a few seconds
 * at fewer connections, not the rest of the download.
 *
 * <p>A step is judged on a whole window of throughput measured only once every connection it
 * added is flowing (a connection that is still connecting would make the step look useless). Adding
 * {@code k} connections to {@code n} must raise the throughput by at least {@link #MIN_GAIN} of what
 * {@code k} more connections would give if each brought as much as the {@code n} before
 * ({@code k/n}): with a cap per connection, each doubling nearly doubles it.
 *
 * <p>A window in which this process kept at least {@link #BUSY} of the host's processors busy is
 * not judged, and nothing is added after it: the host, not the origin, set its pace, and more
 * connections would only add work (bytes received out of order are also read back to be hashed).
 * The received throughput alone cannot tell: on a 2-core host, an uncapped origin gave 85 MB/s to
 * one connection in a cold JVM, 157 MB/s to 2 and 264 MB/s to 4, each step a "gain", and the
 * fetch ended on 4 connections, a third slower than on one; its windows used 73–97 % of the
 * processors, those of an origin capped per connection 32–45 % (benchmarks/RESULTS.md, run 10). A
 * busy window only delays the next step, so a host that is busy for a while (compiling, at the
 * start) still ramps up once it is not. Other processes' load is not counted.
 *
 * <p>The caller passes the time and the bytes received; the CPU time is read from the clock it
 * was given, twice a window (a read of {@code /proc} on Linux), never while it holds or has the
 * most connections. Not thread-safe.
 */
final class ConnectionGovernor {
    /** The share of the ideal gain a step must show. */
    static final double MIN_GAIN = 0.25;

    /** The share of the host's processors this process may use in a window that is judged. */
    static final double BUSY = 0.6;

    /** What the CPU clock answers where the platform cannot say. */
    static final long CPU_UNKNOWN = -1;

    /** Windows to hold after the first step that did not pay off. */
    static final int FIRST_HOLD = 8;

    /** The longest hold, in windows. */
    static final int LONGEST_HOLD = 64;

    private final int max;
    private final long windowNanos;
    private final int processors;
    private final LongSupplier cpuClock;

    private long holdUntil = Long.MIN_VALUE;
    private int holdWindows = FIRST_HOLD;
    private int measuring; // The connection count being measured.
    private double baseline = -1; // Bytes per second at the last count that paid off.
    private int baselineCount;
    private long windowStart = Long.MIN_VALUE;
    private long windowBytes;
    private long windowCpu;

    /**
     * @param max the most connections
     * @param windowNanos how long a measurement lasts
     * @param processors the host's processors
     * @param cpuClock the CPU time this process has used, in nanoseconds, or {@link #CPU_UNKNOWN}
     */
    ConnectionGovernor(int max, long windowNanos, int processors, LongSupplier cpuClock) {
        this.max = max;
        this.windowNanos = windowNanos;
        this.processors = Math.max(1, processors);
        this.cpuClock = cpuClock;
    }

    /**
     * Called regularly with the time, the bytes received so far, how many connections are open
     * and how many of those are flowing.
     *
     * @return how many connections to add now (0 most of the time), or, negative, how many fewer
     *     the download should keep
     */
    int tick(long nowNanos, long bytes, int open, int flowing) {
        if (holdsAt(nowNanos)) {
            return 0;
        }
        if (holdUntil != Long.MIN_VALUE) {
            holdUntil = Long.MIN_VALUE; // The hold is over: measure a fresh baseline, then step again.
            baseline = -1;
            windowStart = Long.MIN_VALUE;
        }
        if (open >= max) {
            return 0;
        }
        if (flowing < open || open != measuring || windowStart == Long.MIN_VALUE) {
            // A step is under way, or the count changed: measure afresh once all are flowing.
            measuring = open;
            windowStart = flowing < open ? Long.MIN_VALUE : nowNanos;
            windowBytes = bytes;
            windowCpu = windowStart == Long.MIN_VALUE ? CPU_UNKNOWN : cpuClock.getAsLong();
            return 0;
        }
        long elapsed = nowNanos - windowStart;
        if (elapsed < windowNanos) {
            return 0;
        }
        long cpuNanos = windowCpu == CPU_UNKNOWN ? CPU_UNKNOWN : cpuClock.getAsLong();
        if (cpuNanos != CPU_UNKNOWN && cpuNanos - windowCpu >= BUSY * processors * elapsed) {
            // The host set this window's pace, not the origin: measure another.
            windowStart = nowNanos;
            windowBytes = bytes;
            windowCpu = cpuNanos;
            return 0;
        }
        double rate = (bytes - windowBytes) * 1e9 / elapsed;
        if (baseline >= 0) {
            double ideal = (double) (open - baselineCount) / baselineCount;
            if (rate < baseline * (1 + MIN_GAIN * ideal)) {
                // The last step did not pay off: take it back, and try again after a hold.
                holdUntil = nowNanos + holdWindows * windowNanos;
                holdWindows = Math.min(LONGEST_HOLD, holdWindows * 2);
                return baselineCount - open; // The hold's end starts a fresh measurement.
            }
        }
        baseline = rate;
        baselineCount = open;
        windowStart = Long.MIN_VALUE;
        return Math.min(open, max - open);
    }

    /** Whether it holds at {@code nowNanos}, after a step that did not pay off. */
    boolean holdsAt(long nowNanos) {
        return holdUntil != Long.MIN_VALUE && nowNanos < holdUntil;
    }
}
