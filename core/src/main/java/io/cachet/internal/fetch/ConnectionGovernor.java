package io.cachet.internal.fetch;

/**
 * How many connections a download in parallel ranges uses: it starts with a few (one, by
 * default), and doubles them while the total throughput grows, up to the maximum. When a step
 * does not pay off (the origin is not limited per connection, or the disk, the digest or the
 * machine is what limits), it stops adding and keeps what it has.
 *
 * <p>A step is judged on a whole window of throughput measured only once every connection it
 * added is flowing (a connection that is still connecting would make the step look useless). Adding
 * {@code k} connections to {@code n} must raise the throughput by at least {@link #MIN_GAIN} of what
 * {@code k} more connections would give if each brought as much as the {@code n} before
 * ({@code k/n}): with a cap per connection, each doubling nearly doubles it.
 *
 * <p>Pure: the caller passes the time and the bytes received; not thread-safe.
 */
final class ConnectionGovernor {
    /** The share of the ideal gain a step must show. */
    static final double MIN_GAIN = 0.25;

    private final int max;
    private final long windowNanos;

    private boolean holding;
    private int measuring; // The connection count being measured.
    private double baseline = -1; // Bytes per second at the last count that paid off.
    private int baselineCount;
    private long windowStart = Long.MIN_VALUE;
    private long windowBytes;

    /**
     * @param max the most connections
     * @param windowNanos how long a measurement lasts
     */
    ConnectionGovernor(int max, long windowNanos) {
        this.max = max;
        this.windowNanos = windowNanos;
    }

    /**
     * Called regularly with the time, the bytes received so far, how many connections are open
     * and how many of those are flowing.
     *
     * @return how many connections to add now (0 most of the time)
     */
    int tick(long nowNanos, long bytes, int open, int flowing) {
        if (holding || open >= max) {
            return 0;
        }
        if (flowing < open || open != measuring || windowStart == Long.MIN_VALUE) {
            // A step is under way, or the count changed: measure afresh once all are flowing.
            measuring = open;
            windowStart = flowing < open ? Long.MIN_VALUE : nowNanos;
            windowBytes = bytes;
            return 0;
        }
        long elapsed = nowNanos - windowStart;
        if (elapsed < windowNanos) {
            return 0;
        }
        double rate = (bytes - windowBytes) * 1e9 / elapsed;
        if (baseline >= 0) {
            double ideal = (double) (open - baselineCount) / baselineCount;
            if (rate < baseline * (1 + MIN_GAIN * ideal)) {
                holding = true; // The last step did not pay off: stay here.
                return 0;
            }
        }
        baseline = rate;
        baselineCount = open;
        windowStart = Long.MIN_VALUE;
        return Math.min(open, max - open);
    }

    /** Whether it has stopped adding connections. */
    boolean holding() {
        return holding;
    }
}
