package io.cachet.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes delivered, reported by JMH as a rate next to the score: in {@code Throughput} mode the
 * secondary result {@code ·megabytes} is MB/s (10^6 bytes per second), the unit of issue 6.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class ByteCounter {
    /** Decimal megabytes delivered in this iteration, fractions included. */
    public double megabytes;

    @Setup(Level.Iteration)
    public void reset() {
        megabytes = 0;
    }

    void add(long bytes) {
        megabytes += bytes / 1e6;
    }
}
