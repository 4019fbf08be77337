package io.cachet.internal.fetch;

import io.cachet.internal.store.Store;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which bytes a download in parallel ranges still needs, and which connection fetches what: the
 * scheduling, without I/O.
 *
 * <p>Bytes are fetched roughly in file order, a piece per request, so that the SHA-256, which can
 * only take the bytes in order, hashes the download while it runs. Were the file cut into one
 * range per connection, every range would end at about the same moment and all but the first
 * would be hashed after the last byte arrived: with 8 connections, 7/8 of the file read back and
 * hashed at the end (about a second per GiB here; docs/architecture.md, "Parallel ranges"). A new
 * or idle connection gets work in this order:
 *
 * <ol>
 *   <li>the first {@code piece} bytes nobody fetches, lowest first, so that the hashed prefix
 *       keeps moving (left by a connection that failed, ended early or was cut, below);
 *   <li>else, while a running range has more than two pieces left, that range (the widest) is cut
 *       a piece after where it is ({@link Work#shrinkTo}): its rest is nobody's, and this
 *       connection takes its first piece;
 *   <li>else the back half of the running range with the most bytes left, if both halves are at
 *       least {@code minRange}: that range's connection now stops half-way;
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

    /** A piece is at least this many times the smallest range: long enough that a request's round trip is little. */
    static final long PIECE_RANGES = 16;

    /** The largest piece. */
    static final long MAX_PIECE = 64L * 1024 * 1024;

    /** Pieces per connection, for a download that is not so big that pieces reach {@link #MAX_PIECE}. */
    static final long PIECES_PER_CONNECTION = 4;

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
    private final long piece;
    private final Spans done;
    private final Spans unassigned;

    /**
     * @param length the artifact's size
     * @param onDisk what is already written (and needs no request)
     * @param minRange the smallest range a split makes
     * @param piece how much a connection asks for at a time, at least {@code minRange}
     */
    RangePlan(long length, Spans onDisk, long minRange, long piece) {
        if (piece < minRange) {
            throw new IllegalArgumentException("a piece of " + piece + " bytes is smaller than a range's " + minRange);
        }
        this.length = length;
        this.minRange = minRange;
        this.piece = piece;
        this.done = onDisk.copy();
        this.unassigned = new Spans();
        for (Store.Span gap : onDisk.missing(length)) {
            unassigned.add(gap.start(), gap.end());
        }
    }

    /**
     * The piece for {@code toFetch} bytes over at most {@code connections}: a few per connection,
     * aligned, no smaller than {@link #PIECE_RANGES} ranges of {@code minRange} and no larger than
     * {@link #MAX_PIECE} (unless the smallest is).
     */
    static long pieceFor(long toFetch, int connections, long minRange) {
        long smallest = PIECE_RANGES * minRange;
        long even = align(toFetch / (PIECES_PER_CONNECTION * Math.max(1, connections)));
        return Math.max(smallest, Math.min(even, MAX_PIECE));
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
        Store.Span free = firstPiece();
        if (free != null) {
            return free;
        }
        if (cutAPieceAhead(running)) {
            return firstPiece();
        }
        Store.Span half = split(running);
        return half != null ? half : takeOver(running, rate);
    }

    /** Takes the first piece of the bytes nobody fetches (all of them if the rest would be too small). */
    private Store.@Nullable Span firstPiece() {
        Store.Span free = unassigned.first();
        if (free == null) {
            return null;
        }
        long end = free.length() - piece < minRange ? free.end() : free.start() + piece;
        unassigned.remove(free.start(), end);
        return new Store.Span(free.start(), end);
    }

    /** Cuts the widest running range a piece after where it is, if more than two pieces are left of it. */
    private boolean cutAPieceAhead(List<? extends Work> running) {
        Work widest = widest(running);
        if (widest == null || widest.end() - widest.position() <= 2 * piece) {
            return false;
        }
        long oldEnd = widest.end();
        long cut = widest.shrinkTo(align(widest.position() + piece));
        if (cut >= oldEnd) {
            return false;
        }
        unassigned.add(cut, oldEnd);
        return true;
    }

    private static @Nullable Work widest(List<? extends Work> running) {
        Work widest = null;
        long widestLeft = 0;
        for (Work w : running) {
            long left = w.end() - w.position();
            if (w.flowing() && left > widestLeft) {
                widest = w;
                widestLeft = left;
            }
        }
        return widest;
    }

    private Store.@Nullable Span split(List<? extends Work> running) {
        Work widest = widest(running);
        if (widest == null) {
            return null;
        }
        long widestLeft = widest.end() - widest.position();
        if (widestLeft < 2 * minRange) {
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
