package io.cachet.internal.fetch;

import io.cachet.internal.store.Store;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which bytes a download in parallel ranges still needs, and which connection fetches what: the
 * scheduling, without I/O.
 *
 * <p>Few requests, no idle connection: a connection asks for a whole range, and a new or idle
 * connection gets work in this order:
 *
 * <ol>
 *   <li>a range nobody fetches (left by a connection that failed or ended early), lowest first, so
 *       that the hashed prefix keeps moving;
 *   <li>else the back half of the running range with the most bytes left, if both halves are at
 *       least {@code minRange}: that range's connection now stops half-way ({@link Work#shrinkTo});
 *   <li>else, at the end, all that is left of a range whose connection would take at least {@link
 *       #HEDGE_FACTOR} times as long to finish it as this one (a slow mirror, a throttled
 *       connection): its connection stops where it is, and this one takes over the rest.
 * </ol>
 *
 * <p>Not thread-safe: the download calls it under its monitor. A {@link Work}'s end is settled by
 * the writer ({@link Work#shrinkTo} returns where it really stops), so no byte is ever fetched by
 * two connections.
 */
final class RangePlan {
    /** A connection takes over a slower one's rest only if it would be at least this many times as fast. */
    static final double HEDGE_FACTOR = 2.0;

    /** Split points are multiples of this (page-aligned writes). */
    static final long ALIGN = 64 * 1024;

    /** What the plan needs to know of a running range. */
    interface Work {
        /** Bytes before it are taken by this range's connection. */
        long position();

        /** Where it stops now. */
        long end();

        /** Asks it to stop at {@code end} or as close as it can; returns where it will stop. */
        long shrinkTo(long end);

        /** Its bytes per second so far, or 0 if not known yet. */
        double rate();

        /** Whether it receives bytes (its answer arrived); only those are split or taken over. */
        boolean flowing();
    }

    private final long length;
    private final long minRange;
    private final Spans done;
    private final Spans unassigned;

    /**
     * @param length the artifact's size
     * @param onDisk what is already written (and needs no request)
     * @param minRange the smallest range a split makes
     */
    RangePlan(long length, Spans onDisk, long minRange) {
        this.length = length;
        this.minRange = minRange;
        this.done = onDisk.copy();
        this.unassigned = new Spans();
        for (Store.Span gap : onDisk.missing(length)) {
            unassigned.add(gap.start(), gap.end());
        }
    }

    /** Takes {@code [start, end)} out of the unassigned bytes, for a connection that fetches exactly it. */
    void assign(long start, long end) {
        unassigned.remove(start, end);
    }

    /**
     * The next range for a connection that runs at {@code rate} bytes per second (0 if unknown),
     * given the ranges running now; null if there is nothing worth taking.
     */
    Store.@Nullable Span next(List<? extends Work> running, double rate) {
        Store.Span free = unassigned.first();
        if (free != null) {
            unassigned.remove(free.start(), free.end());
            return free;
        }
        Store.Span half = split(running);
        return half != null ? half : takeOver(running, rate);
    }

    private Store.@Nullable Span split(List<? extends Work> running) {
        Work widest = null;
        long widestLeft = 0;
        for (Work w : running) {
            long left = w.end() - w.position();
            if (w.flowing() && left > widestLeft) {
                widest = w;
                widestLeft = left;
            }
        }
        if (widest == null || widestLeft < 2 * minRange) {
            return null;
        }
        long oldEnd = widest.end();
        long mid = align(widest.position() + widestLeft / 2);
        if (mid <= widest.position() || oldEnd - mid < minRange) {
            return null;
        }
        long cut = widest.shrinkTo(mid);
        return cut < oldEnd ? new Store.Span(cut, oldEnd) : null;
    }

    private Store.@Nullable Span takeOver(List<? extends Work> running, double rate) {
        if (rate <= 0) {
            return null;
        }
        Work slowest = null;
        double slowestTime = 0;
        for (Work w : running) {
            long left = w.end() - w.position();
            if (!w.flowing() || left <= 0) {
                continue;
            }
            double time = w.rate() > 0 ? left / w.rate() : Double.POSITIVE_INFINITY;
            if (time > slowestTime) {
                slowest = w;
                slowestTime = time;
            }
        }
        if (slowest == null) {
            return null;
        }
        long left = slowest.end() - slowest.position();
        if (slowestTime < HEDGE_FACTOR * (left / rate)) {
            return null;
        }
        long oldEnd = slowest.end();
        long cut = slowest.shrinkTo(slowest.position());
        return cut < oldEnd ? new Store.Span(cut, oldEnd) : null;
    }

    /**
     * A connection stopped: {@code [start, reached)} of its range is on disk, and what it did not
     * fetch up to {@code end} is unassigned again.
     */
    void ended(long start, long reached, long end) {
        done.add(start, reached);
        if (reached < end) {
            unassigned.add(reached, end);
        }
    }

    /** Whether every byte is on disk. */
    boolean complete() {
        return done.covers(0, length);
    }

    /** Whether bytes nobody fetches remain. */
    boolean hasUnassigned() {
        return !unassigned.isEmpty();
    }

    /** The bytes on disk, with {@code alsoWritten} (the running ranges' progress). */
    List<Store.Span> onDisk(List<Store.Span> alsoWritten) {
        Spans all = done.copy();
        for (Store.Span s : alsoWritten) {
            all.add(s.start(), s.end());
        }
        return all.list();
    }

    private static long align(long at) {
        return (at + ALIGN - 1) / ALIGN * ALIGN;
    }
}
