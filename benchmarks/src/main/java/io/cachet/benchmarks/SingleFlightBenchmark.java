package io.cachet.benchmarks;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.Disposable;

/**
 * Single flight: what one more caller of a key being downloaded costs, and that 1,000 callers of
 * one key open the origin once (issue 6 targets: under 2 µs per extra caller; one open).
 *
 * <ul>
 *   <li>{@link #joinInFlight}: one download is held in flight (its origin holds the body back)
 *       for the whole iteration; each operation is one more caller calling {@code
 *       cache.fetch(request).subscribe()} and then cancelling. That is the joiner's whole
 *       path through the front door (request checks, flight lookup, subscription to the shared
 *       result) plus its leaving, so it is an upper bound on the join alone. Cancelling keeps
 *       the number of listeners constant, so operation N costs what operation 1 costs.
 *   <li>{@link #fanIn}: {@code callers} callers ask for a new key (one thread subscribes them all
 *       while the origin holds the body), then the body flows and all of them get the artifact.
 *       One operation is the whole thing: one download of 16 KiB, its durable commit, and the
 *       delivery to every caller. The cost per extra caller is {@code (fanIn[1000] -
 *       fanIn[1]) / 999}; the commit (two fsyncs) cancels out. The tear-down fails the run
 *       if any key was opened other than exactly once.
 * </ul>
 *
 * <p>Warm-up: 3 × 2 s; each iteration uses a fresh cache directory.
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class SingleFlightBenchmark {
    // A small artifact; its size does not matter to what is measured. (Before c220fb4, any artifact
    // of 4 KiB or less with a declared length hung: StreamingWriter never requested its body.)
    private static final int BODY = 16 * 1024;

    /** A cache whose origin holds every body back until the tear-down. */
    @State(Scope.Benchmark)
    public static class Held {
        Path dir;
        MemoryOrigin origin;
        Cache cache;
        FetchRequest request;
        Disposable leader;

        @Setup(Level.Iteration)
        public void startFlight() {
            dir = Fresh.directory("flight");
            origin = new MemoryOrigin(BODY);
            cache = Cache.builder().root(dir).origin(origin).build();
            origin.hold();
            request = FetchRequest.of(URI.create("http://memory.invalid/held"));
            leader = cache.fetch(request).subscribe(artifact -> {}, error -> {});
        }

        @TearDown(Level.Iteration)
        public void stopFlight() {
            origin.release();
            leader.dispose();
            int opens = origin.opens(request.uri());
            cache.close();
            origin.close();
            Fresh.delete(dir);
            if (opens > 1) {
                throw new IllegalStateException("callers of one key opened the origin " + opens + " times");
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void joinInFlight(Held held) {
        held.cache.fetch(held.request).subscribe(artifact -> {}, error -> {}).dispose();
    }

    /** A cache for fan-in; a new key for every operation. */
    @State(Scope.Benchmark)
    public static class Fan {
        @Param({"1", "1000"})
        public int callers;

        Path dir;
        MemoryOrigin origin;
        Cache cache;
        int next;
        int first;

        @Setup(Level.Iteration)
        public void openCache() {
            first = next;
            dir = Fresh.directory("fan-in");
            origin = new MemoryOrigin(BODY);
            cache = Cache.builder().root(dir).origin(origin).build();
        }

        @TearDown(Level.Iteration)
        public void checkOneOpenPerKey() {
            cache.close();
            origin.close();
            Fresh.delete(dir);
            for (Map.Entry<URI, AtomicInteger> e : origin.opens().entrySet()) {
                if (e.getValue().get() != 1) {
                    throw new IllegalStateException(callers + " callers of " + e.getKey() + " opened the origin "
                            + e.getValue().get() + " times, not once");
                }
            }
            if (origin.opens().size() != next - first) {
                throw new IllegalStateException((next - first) + " keys were fetched but "
                        + origin.opens().size() + " opened");
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Artifact fanIn(Fan fan) throws InterruptedException {
        FetchRequest request = FetchRequest.of(URI.create("http://memory.invalid/fan-in/" + fan.next++));
        CountDownLatch done = new CountDownLatch(fan.callers);
        AtomicReference<Artifact> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        fan.origin.hold();
        for (int i = 0; i < fan.callers; i++) {
            fan.cache
                    .fetch(request)
                    .subscribe(
                            artifact -> {
                                result.set(artifact);
                                done.countDown();
                            },
                            error -> {
                                failure.set(error);
                                done.countDown();
                            });
        }
        fan.origin.release();
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("callers still waiting after 60 s: " + done.getCount());
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a caller failed", failure.get());
        }
        return result.get();
    }
}
