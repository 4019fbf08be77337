package io.cachet.benchmarks;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.Sha256;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import reactor.netty.http.client.HttpClient;

/**
 * One large artifact over loopback HTTP to a durably committed file: a reactor-netty {@link
 * LoopbackServer} (from memory, or from a file with {@code sendfile}) → {@code NettyOrigin} (found
 * by {@code Cache.builder()} through ServiceLoader, as in an application) → the engine → disk.
 * Throughput is the {@code ·megabytes} rate, MB/s.
 *
 * <ul>
 *   <li>{@link #cachet}: {@code cache.fetch(request pinned to the digest).block()}.
 *   <li>{@link #naive}: {@link NaivePipeline}, the reactor-netty {@code HttpClient} with one file
 *       write and one digest update per network chunk, ending with the same durable commit.
 * </ul>
 *
 * <p>Why it is fair: both read the same bytes from the same server over the same loopback, both
 * hash every byte, check the digest, and make the file durable the same way; both run in this JVM
 * with the server, so both share the two cores with it (the comparison script repeats this
 * against nginx in its own process, JVM start included). Each operation writes a new file in the
 * iteration's fresh directory, deleted right after (untimed). The file source is created once
 * per trial and is in the page cache, as nginx's is in the comparison. Warm-up: 2 × 5 s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
@State(Scope.Thread)
public class EndToEndBenchmark {

    @Param({"256"})
    public int sizeMiB;

    /**
     * The engine's write size ({@code Cache.Builder.writeBufferSize}; it holds 3 such buffers):
     * 512 KiB is the default; larger values show what a wider window between network and disk
     * gains. Only {@link #cachet} uses it.
     */
    @Param({"512"})
    public int writeBufferKiB;

    /** {@code memory}: the server sends from memory; {@code file}: with sendfile from a file. */
    @Param({"memory", "file"})
    public String source;

    private long size;
    private Sha256 sha256;
    private Path served;
    private LoopbackServer server;
    private URI uri;
    private HttpClient client;

    private Path dir;
    private Cache cache;
    private Path last;
    private int next;

    @Setup(Level.Trial)
    public void startServer() throws IOException {
        size = sizeMiB * (1L << 20);
        sha256 = Bodies.sha256(size);
        served = Fresh.directory("served");
        server = LoopbackServer.start(served);
        if (source.equals("file")) {
            writeBody(served.resolve("body"), size);
            uri = server.uri("/file/body");
        } else {
            uri = server.uri("/mem/" + size);
        }
        client = HttpClient.create();
    }

    private static void writeBody(Path file, long size) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += Bodies.PATTERN_SIZE) {
                ByteBuffer block = Bodies.direct().limit((int) Math.min(Bodies.PATTERN_SIZE, size - at));
                while (block.hasRemaining()) {
                    out.write(block);
                }
            }
        }
    }

    @Setup(Level.Iteration)
    public void openCache() {
        dir = Fresh.directory("e2e");
        cache = Cache.builder()
                .root(dir.resolve("cache"))
                .writeBufferSize(writeBufferKiB * 1024)
                .build();
    }

    @Benchmark
    public Artifact cachet(ByteCounter bytes) {
        FetchRequest request = FetchRequest.of(uri).withKey("e2e-" + next++).withSha256(sha256);
        Artifact artifact = cache.fetch(request).block();
        if (artifact.source() != Artifact.Source.DOWNLOADED) {
            throw new IllegalStateException("expected a download, got " + artifact);
        }
        last = artifact.path();
        bytes.add(artifact.size());
        return artifact;
    }

    @Benchmark
    public Path naive(ByteCounter bytes) throws IOException {
        Path target = dir.resolve("naive-" + next++);
        Sha256 actual = NaivePipeline.fetch(client, uri, target, sha256);
        if (!actual.equals(sha256)) {
            throw new IllegalStateException("digest mismatch: " + actual + " instead of " + sha256);
        }
        last = target;
        bytes.add(size);
        return target;
    }

    @TearDown(Level.Invocation)
    public void deleteOutput() throws IOException {
        if (last != null) {
            Files.delete(last);
            last = null;
        }
    }

    @TearDown(Level.Iteration)
    public void closeCache() {
        cache.close();
        Fresh.delete(dir);
    }

    @TearDown(Level.Trial)
    public void stopServer() {
        server.close();
        Fresh.delete(served);
    }
}
