package io.cachet.benchmarks;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

/**
 * Many small artifacts: {@code files} × {@code sizeKiB} KiB through {@code cache.fetchAll(requests,
 * 64)} from a loopback reactor-netty server, each pinned to its SHA-256, verified and durably
 * committed (file sync, rename, batched directory syncs). The score is the time of one whole batch
 * (2,000 files by default); files per second is {@code files / score}.
 *
 * <p>Why it is fair: it is the workload of {@code cachet fetch-all --concurrency 64} without the
 * JVM start, through the front door, with every file distinct (a blob of its own). Each operation
 * is one batch into a cache directory that did not exist before; the directories are deleted only
 * when the trial ends, because deleting thousands of files just before the next batch would
 * make ext4 here scan past the freed inodes (docs/benchmarking.md, quirk 2) and measure that instead.
 * Warm-up: 3 batches.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class SmallFileBatchBenchmark {

    @Param({"2000"})
    public int files;

    @Param({"64"})
    public int sizeKiB;

    @Param({"64"})
    public int concurrency;

    private LoopbackServer server;
    private List<FetchRequest> requests;
    private final List<Path> dirs = new ArrayList<>();
    private Cache cache;

    @Setup(Level.Trial)
    public void startServer() {
        server = LoopbackServer.start(Path.of(System.getProperty("java.io.tmpdir")));
        int size = sizeKiB * 1024;
        requests = new ArrayList<>(files);
        for (int i = 0; i < files; i++) {
            requests.add(
                    FetchRequest.of(server.uri("/small/" + size + "/" + i)).withSha256(Bodies.smallSha256(i, size)));
        }
    }

    @Setup(Level.Iteration)
    public void openCache() {
        Path dir = Fresh.directory("batch");
        dirs.add(dir);
        cache = Cache.builder().root(dir).build();
    }

    @Benchmark
    public long batch() {
        List<Artifact> artifacts = cache.fetchAll(reactor.core.publisher.Flux.fromIterable(requests), concurrency)
                .collectList()
                .block();
        if (artifacts.size() != files) {
            throw new IllegalStateException(files + " requests but " + artifacts.size() + " artifacts");
        }
        for (Artifact a : artifacts) {
            if (a.source() != Artifact.Source.DOWNLOADED) {
                throw new IllegalStateException("expected a download, got " + a);
            }
        }
        return artifacts.size();
    }

    @TearDown(Level.Iteration)
    public void closeCache() {
        cache.close();
    }

    @TearDown(Level.Trial)
    public void deleteAll() {
        server.close();
        dirs.forEach(Fresh::delete);
        dirs.clear();
    }
}
