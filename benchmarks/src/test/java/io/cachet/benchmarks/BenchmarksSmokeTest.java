package io.cachet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * CI's check that every benchmark compiles, sets up, runs and tears down: one short iteration of
 * each, with small sizes, in this JVM (no fork), failing on any exception a benchmark or its
 * tear-down throws (such as SingleFlightBenchmark's "opened the origin N times"). It asserts
 * nothing about speed; the numbers it prints mean nothing. Real runs: {@code java -jar
 * benchmarks/target/benchmarks.jar}, see RESULTS.md.
 */
class BenchmarksSmokeTest {

    @Test
    void everyBenchmarkRunsOneShortIterationWithoutError() throws RunnerException {
        Options options = new OptionsBuilder()
                .include("io\\.cachet\\.benchmarks\\..*Benchmark")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("sizeMiB", "2")
                .param("files", "40")
                .param("concurrency", "16")
                .param("callers", "1", "100")
                .shouldFailOnError(true)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = results.stream()
                .map(r -> r.getParams().getBenchmark().replaceFirst("^io\\.cachet\\.benchmarks\\.", ""))
                .collect(Collectors.toSet());
        assertThat(ran)
                .containsExactlyInAnyOrder(
                        "HitBenchmark.hit",
                        "HitBenchmark.floorThreadHops",
                        "HitBenchmark.floorFileWork",
                        "SingleFlightBenchmark.joinInFlight",
                        "SingleFlightBenchmark.fanIn",
                        "StreamingWriterBenchmark.engine",
                        "StreamingWriterBenchmark.jdkChunked",
                        "StreamingWriterBenchmark.jdkBuffered",
                        "EndToEndBenchmark.cachet",
                        "EndToEndBenchmark.naive",
                        "SmallFileBatchBenchmark.batch");
        assertThat(results)
                .allSatisfy(
                        r -> assertThat(r.getPrimaryResult().getSampleCount()).isPositive());
    }
}
