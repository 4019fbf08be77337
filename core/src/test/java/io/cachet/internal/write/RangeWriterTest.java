package io.cachet.internal.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.DelegatingChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Several ranges into one part file: the digest is the artifact's, whatever order the ranges arrive in. */
@Timeout(60)
class RangeWriterTest {
    private static final int BUFFER = 64 * 1024;

    @TempDir
    Path dir;

    private ExecutorService executor;
    private AsynchronousFileChannel file;
    private final List<long[]> checkpoints = new CopyOnWriteArrayList<>();
    private final List<Long> progress = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws IOException {
        // Lock-free hand-over, as the cache's I/O threads have: bodies arrive on threads that must not park.
        executor = new java.util.concurrent.ThreadPoolExecutor(
                4, 4, 0, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedTransferQueue<>());
        file = AsynchronousFileChannel.open(
                dir.resolve("part"),
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
                executor);
    }

    @AfterEach
    void close() throws IOException {
        file.close();
        executor.shutdownNow();
    }

    @Test
    void rangesWrittenBackToFrontHashToTheArtifactsDigest() throws Exception {
        byte[] body = Bytes.random(3 * 1024 * 1024 + 17, 1);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 0);
        long third = body.length / 3;

        // The last range first, then the middle, then the front: everything past the front is read back.
        write(ranges, body, 2 * third, body.length);
        write(ranges, body, third, 2 * third);
        assertThat(ranges.hashedThrough())
                .as("nothing is hashed while the front is missing")
                .isZero();
        write(ranges, body, 0, third);

        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
        assertThat(Files.readAllBytes(dir.resolve("part"))).isEqualTo(body);
        assertThat(ranges.onDisk()).isEqualTo(body.length);
        assertThat(progress).isSorted().last().isEqualTo((long) body.length);
    }

    @Test
    void rangesWrittenAtOnceHashToTheArtifactsDigest() throws Exception {
        byte[] body = Bytes.random(4 * 1024 * 1024, 2);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 0);
        long quarter = body.length / 4;

        Flux.range(0, 4)
                .flatMap(i -> ranges.open(i * quarter, (i + 1) * quarter)
                        .write(chunks(body, i * quarter, (i + 1) * quarter, 8192)
                                .subscribeOn(Schedulers.parallel())))
                .then()
                .block(Duration.ofSeconds(30));

        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
        assertThat(Files.readAllBytes(dir.resolve("part"))).isEqualTo(body);
    }

    @Test
    void theFrontRangeIsHashedFromMemoryAndOnlyBytesPastAGapAreReadBack() throws Exception {
        byte[] body = Bytes.random(2 * 1024 * 1024, 3);
        AtomicLong readBack = new AtomicLong();
        AsynchronousFileChannel counting = new DelegatingChannel(file) {
            @Override
            public <A> void read(
                    ByteBuffer dst, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
                readBack.addAndGet(dst.remaining());
                super.read(dst, position, attachment, handler);
            }
        };
        StreamingWriter.Ranges ranges =
                StreamingWriter.ranges(counting, 0, Bytes.digest(), body.length, settings(0, 0), progress::add);
        long half = body.length / 2;

        write(ranges, body, 0, half); // At the front: hashed as it streams.
        assertThat(readBack.get()).isZero();
        write(ranges, body, half, body.length); // Right after the front: also next, so also from memory.

        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
        assertThat(readBack.get()).as("bytes read back from disk").isLessThanOrEqualTo(BUFFER);
    }

    @Test
    void bytesAreHashedOnlyOnceTheyAreOnDiskSoAHashedPrefixIsAlwaysInTheFile() throws Exception {
        byte[] body = Bytes.random(512 * 1024, 9);
        List<Runnable> held = new CopyOnWriteArrayList<>();
        AsynchronousFileChannel slowDisk = new DelegatingChannel(file) {
            @Override
            public <A> void write(
                    ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
                held.add(() -> delegate.write(src, position, attachment, handler));
            }
        };
        StreamingWriter.Ranges ranges =
                StreamingWriter.ranges(slowDisk, 0, Bytes.digest(), body.length, settings(0, 0), progress::add);
        var result = ranges.open(0, body.length)
                .write(chunks(body, 0, body.length, 8192))
                .toFuture();

        io.cachet.testing.Await.until("a write is held", () -> !held.isEmpty());
        assertThat(ranges.hashedThrough())
                .as("nothing hashed while nothing is written")
                .isZero();
        while (!result.isDone()) {
            for (Runnable write : held) {
                held.remove(write);
                write.run();
            }
            Thread.onSpinWait();
        }

        assertThat(result.get()).isEqualTo(body.length);
        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
    }

    @Test
    void keptBytesAndAHashedPrefixAreNotAskedForAgain() throws Exception {
        byte[] body = Bytes.random(1024 * 1024, 4);
        Files.write(dir.resolve("part"), body); // The whole file is there, from an earlier attempt.
        int prefix = 100_000;
        MessageDigest digest = Bytes.digest();
        digest.update(body, 0, prefix);
        StreamingWriter.Ranges ranges = ranges(body.length, digest, prefix, 0);

        ranges.kept(600_000, body.length);
        write(ranges, body, prefix, 600_000);

        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
    }

    @Test
    void checkpointsGiveTheDigestOfExactlyThePrefix() throws Exception {
        byte[] body = Bytes.random(1024 * 1024, 5);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 256 * 1024);

        write(ranges, body, 512 * 1024, body.length);
        write(ranges, body, 0, 512 * 1024);
        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));

        assertThat(checkpoints).isNotEmpty();
        for (long[] checkpoint : checkpoints) {
            MessageDigest expected = Bytes.digest();
            expected.update(body, 0, (int) checkpoint[0]);
            assertThat(checkpoint[1]).isEqualTo(java.util.Arrays.hashCode(expected.digest()));
        }
    }

    @Test
    void aShrunkRangeStopsAtItsNewEndAndCancelsItsBody() throws Exception {
        byte[] body = Bytes.random(2 * 1024 * 1024, 6);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 0);
        Sinks.Many<ByteBuffer> origin = Sinks.many().unicast().onBackpressureBuffer();
        AtomicInteger cancels = new AtomicInteger();
        StreamingWriter first = ranges.open(0, body.length);
        Mono<Long> running = first.write(origin.asFlux().doOnCancel(cancels::incrementAndGet));
        var result = running.toFuture();

        origin.tryEmitNext(ByteBuffer.wrap(body, 0, 100_000).slice());
        long newEnd = first.shrinkTo(50_000);
        assertThat(newEnd).as("never below what the range already took").isEqualTo(100_000);
        assertThat(first.shrinkTo(300_000)).as("an end only moves closer").isEqualTo(100_000);
        origin.tryEmitNext(ByteBuffer.wrap(body, 100_000, 8192).slice());

        assertThat(result.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(100_000);
        assertThat(cancels.get()).isEqualTo(1);
        write(ranges, body, 100_000, body.length);
        StepVerifier.create(ranges.hashed()).expectComplete().verify(Duration.ofSeconds(30));
        assertThat(ranges.digest().digest()).isEqualTo(Bytes.digest().digest(body));
    }

    @Test
    void aRangeStoppedFromOutsideFailsAfterWritingWhatArrived() throws Exception {
        byte[] body = Bytes.random(1024 * 1024, 7);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 0);
        Sinks.Many<ByteBuffer> origin = Sinks.many().unicast().onBackpressureBuffer();
        StreamingWriter range = ranges.open(0, body.length);
        var result = range.write(origin.asFlux()).toFuture();

        for (int at = 0; at < 3 * BUFFER; at += 8192) {
            origin.tryEmitNext(ByteBuffer.wrap(body, at, 8192).slice());
        }
        range.stop("a mirror fell behind");

        assertThat(result).failsWithin(Duration.ofSeconds(30));
        assertThat(range.position()).isBetween(2L * BUFFER, 3L * BUFFER);
        assertThat(ranges.onDisk()).isEqualTo(range.position());
    }

    @Test
    void quiesceLeavesTheDigestAtExactlyTheHashedPrefix() throws Exception {
        byte[] body = Bytes.random(1024 * 1024, 8);
        StreamingWriter.Ranges ranges = ranges(body.length, Bytes.digest(), 0, 0);
        write(ranges, body, 0, 300_000);
        write(ranges, body, 500_000, body.length);

        ranges.quiesce().block(Duration.ofSeconds(30));

        long through = ranges.hashedThrough();
        assertThat(through).isEqualTo(300_000);
        MessageDigest expected = Bytes.digest();
        expected.update(body, 0, (int) through);
        assertThat(ranges.digest().digest()).isEqualTo(expected.digest());
    }

    private void write(StreamingWriter.Ranges ranges, byte[] body, long from, long to) {
        StepVerifier.create(ranges.open(from, to).write(chunks(body, from, to, 8192)))
                .expectNext(to)
                .expectComplete()
                .verify(Duration.ofSeconds(30));
    }

    private StreamingWriter.Ranges ranges(long length, MessageDigest digest, long hashed, long checkpointEvery) {
        return StreamingWriter.ranges(
                file, hashed, digest, length, settings(0, checkpointEvery), new StreamingWriter.Listener() {
                    @Override
                    public void written(long bytes) {
                        progress.add(bytes);
                    }

                    @Override
                    public void checkpoint(long position, byte[] sha256OfPrefix) {
                        checkpoints.add(new long[] {position, java.util.Arrays.hashCode(sha256OfPrefix)});
                    }
                });
    }

    private StreamingWriter.Settings settings(long syncEvery, long checkpointEvery) {
        return new StreamingWriter.Settings(
                BUFFER,
                3,
                executor,
                Schedulers.parallel(),
                Duration.ofSeconds(30),
                0,
                Duration.ofSeconds(60),
                syncEvery,
                checkpointEvery);
    }

    private static Flux<ByteBuffer> chunks(byte[] body, long from, long to, int size) {
        List<ByteBuffer> out = new ArrayList<>();
        for (long at = from; at < to; at += size) {
            out.add(ByteBuffer.wrap(body, (int) at, (int) Math.min(size, to - at))
                    .slice());
        }
        return Flux.fromIterable(out);
    }
}
