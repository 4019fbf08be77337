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
import java.security.MessageDigest;
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
 * The engine's write path without a network: an in-memory origin ({@link MemoryOrigin}: 8 KiB
 * chunks of direct memory, emitted on a thread of its own like an event loop, with backpressure)
 * streamed through {@code cache.fetch(...)} to a durably committed blob. Throughput is the
 * {@code ·megabytes} rate, MB/s.
 *
 * <ul>
 *   <li>{@link #engine} with {@code pinned=true} (the request carries the expected SHA-256) and
 *       {@code pinned=false} (trust on first use). Unpinned still computes SHA-256 over every
 *       byte, because the blob is stored under its digest: the two differ only in the final
 *       comparison and the resume checkpoints, so they should be equal.
 *   <li>{@link #jdkChunked}: the JDK baseline a person writes first, on one thread: for each 8
 *       KiB chunk {@code MessageDigest.update} then {@code FileChannel.write}; then the same
 *       durable commit (force, atomic rename, directory sync).
 *   <li>{@link #jdkBuffered}: the best plain single-threaded JDK code: chunks hashed and copied
 *       into a 512 KiB direct buffer, one write per full buffer (what the engine does), the same
 *       commit. The ratio engine / jdkBuffered shows what the engine's pipelining gains or what
 *       its machinery costs.
 * </ul>
 *
 * <p>Why it is fair: every variant reads the same bytes from the same direct memory in the same
 * chunk size, hashes all of them, writes them to a new file on the same disk and makes it durable
 * the same way, and is checked against the same digest. Every operation writes a new file into
 * a directory created for the iteration, and deletes it right after (an invocation tear-down, not
 * timed), which keeps the disk from filling and the page cache warm for the next file, as it is
 * in the comparison script. Warm-up: 2 iterations of 5 s (at least 4 × 256 MiB).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class StreamingWriterBenchmark {
    static final int BUFFER = 512 * 1024;

    /** Where one variant writes; what it wrote last is deleted after each operation. */
    @State(Scope.Thread)
    public static class Out {
        @Param({"256"})
        public int sizeMiB;

        long size;
        Sha256 sha256;
        Path dir;
        Path last;
        int next;

        @Setup(Level.Trial)
        public void digest() {
            size = sizeMiB * (1L << 20);
            sha256 = Bodies.sha256(size);
        }

        @Setup(Level.Iteration)
        public void freshDirectory() {
            dir = Fresh.directory("writer");
        }

        @TearDown(Level.Invocation)
        public void deleteOutput() throws IOException {
            if (last != null) {
                Files.delete(last);
                last = null;
            }
        }

        @TearDown(Level.Iteration)
        public void deleteDirectory() {
            Fresh.delete(dir);
        }
    }

    /** A cache in its own fresh directory, on an in-memory origin. */
    @State(Scope.Thread)
    public static class Engine {
        @Param({"true", "false"})
        public boolean pinned;

        /** The engine's write size (it holds 3 such buffers); 512 KiB is the default. */
        @Param({"512"})
        public int writeBufferKiB;

        Path dir;
        MemoryOrigin origin;
        Cache cache;

        @Setup(Level.Iteration)
        public void openCache(Out out) {
            dir = Fresh.directory("writer-cache");
            origin = new MemoryOrigin(out.size);
            cache = Cache.builder()
                    .root(dir)
                    .origin(origin)
                    .writeBufferSize(writeBufferKiB * 1024)
                    .build();
        }

        @TearDown(Level.Iteration)
        public void closeCache() {
            cache.close();
            origin.close();
            Fresh.delete(dir);
        }
    }

    @Benchmark
    public Artifact engine(Engine engine, Out out, ByteCounter bytes) {
        FetchRequest request = FetchRequest.of(URI.create("http://memory.invalid/writer/" + out.next++));
        if (engine.pinned) {
            request = request.withSha256(out.sha256);
        }
        Artifact artifact = engine.cache.fetch(request).block();
        if (artifact.source() != Artifact.Source.DOWNLOADED
                || !artifact.sha256().equals(out.sha256)) {
            throw new IllegalStateException("expected a fresh download of " + out.sha256 + ", got " + artifact);
        }
        out.last = artifact.path(); // Deleted before the next operation, so the next one is not a hit.
        bytes.add(artifact.size());
        return artifact;
    }

    @Benchmark
    public Path jdkChunked(Out out, ByteCounter bytes) throws IOException {
        return jdk(out, bytes, null);
    }

    /** A 512 KiB direct buffer for {@link #jdkBuffered}, allocated once like the engine's pool. */
    @State(Scope.Thread)
    public static class Buffer {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    }

    @Benchmark
    public Path jdkBuffered(Out out, Buffer buffer, ByteCounter bytes) throws IOException {
        return jdk(out, bytes, buffer.buffer.clear());
    }

    private static Path jdk(Out out, ByteCounter bytes, ByteBuffer buffer) throws IOException {
        Path target = out.dir.resolve("jdk-" + out.next++);
        Path part = out.dir.resolve(target.getFileName() + ".part");
        MessageDigest digest = Bodies.newDigest();
        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long position = 0; position < out.size; ) {
                int n = (int) Math.min(MemoryOrigin.CHUNK, out.size - position);
                ByteBuffer chunk = Bodies.slice(position, n);
                digest.update(chunk.duplicate());
                if (buffer == null) {
                    writeFully(channel, chunk);
                } else {
                    if (buffer.remaining() < n) {
                        writeFully(channel, buffer.flip());
                        buffer.clear();
                    }
                    buffer.put(chunk);
                }
                position += n;
            }
            if (buffer != null && buffer.position() > 0) {
                writeFully(channel, buffer.flip());
            }
            channel.force(true);
        }
        Sha256 actual = Sha256.of(digest.digest());
        if (!actual.equals(out.sha256)) {
            throw new IllegalStateException("digest mismatch: " + actual + " instead of " + out.sha256);
        }
        Durable.commit(part, target, true);
        out.last = target;
        bytes.add(out.size);
        return target;
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }
}
