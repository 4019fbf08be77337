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
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

@Timeout(120)
class StreamingWriterTest {
    private static final int BUFFER = 64 * 1024;

    @TempDir
    Path dir;

    private ExecutorService executor;
    private AsynchronousFileChannel file;
    private final List<Long> progress = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        executor = Executors.newFixedThreadPool(2);
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

    // ---- order, digest, short writes ----------------------------------------------------------

    @Test
    void writesChunksOfAnySizeInOrderAndHashesExactlyTheBytesWritten() throws Exception {
        byte[] body = Bytes.random(1_000_003, 11);
        MessageDigest digest = Bytes.digest();

        StepVerifier.create(writer(file, digest, Long.MAX_VALUE).write(randomChunks(body, 3)))
                .expectNext((long) body.length)
                .verifyComplete();

        assertThat(Files.readAllBytes(dir.resolve("part"))).isEqualTo(body);
        assertThat(digest.digest()).isEqualTo(Bytes.digest().digest(body));
        assertThat(progress).isSorted().last().isEqualTo((long) body.length);
    }

    @Test
    void shortWritesAreContinuedAtTheRightOffset() throws Exception {
        byte[] body = Bytes.random(300_000, 12);
        AtomicInteger writes = new AtomicInteger();
        AsynchronousFileChannel stingy = new DelegatingChannel(file) {
            @Override
            public <A> void write(
                    ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
                writes.incrementAndGet();
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + Math.min(part.remaining(), 1000));
                delegate.write(part, position, attachment, new CompletionHandler<Integer, A>() {
                    @Override
                    public void completed(Integer n, A a) {
                        src.position(src.position() + n);
                        handler.completed(n, a);
                    }

                    @Override
                    public void failed(Throwable t, A a) {
                        handler.failed(t, a);
                    }
                });
            }
        };
        MessageDigest digest = Bytes.digest();

        StepVerifier.create(writer(stingy, digest, Long.MAX_VALUE).write(randomChunks(body, 4)))
                .expectNext((long) body.length)
                .verifyComplete();

        assertThat(writes.get()).isGreaterThanOrEqualTo(300);
        assertThat(Files.readAllBytes(dir.resolve("part"))).isEqualTo(body);
        assertThat(digest.digest()).isEqualTo(Bytes.digest().digest(body));
    }

    @Test
    void writesWholeBuffersNotOneWritePerChunk() {
        byte[] body = Bytes.random(10 * BUFFER, 13);
        AtomicInteger writes = new AtomicInteger();
        AsynchronousFileChannel counting = new DelegatingChannel(file) {
            @Override
            public <A> void write(
                    ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
                writes.incrementAndGet();
                super.write(src, position, attachment, handler);
            }
        };

        StepVerifier.create(writer(counting, Bytes.digest(), Long.MAX_VALUE).write(chunks(body, 1024)))
                .expectNext((long) body.length)
                .verifyComplete();

        assertThat(writes.get()).as("640 chunks of 1 KiB in buffers of 64 KiB").isEqualTo(10);
    }

    // ---- backpressure ---------------------------------------------------------------------------

    @Test
    void requestsNoMoreThanTheBuffersCanHoldWhileTheDiskIsBusy() {
        HeldWrites held = new HeldWrites(file);
        byte[] body = Bytes.random(1024 * 1024, 14);
        AtomicLong emitted = new AtomicLong();
        Flux<ByteBuffer> origin = chunks(body, 4096).doOnNext(b -> emitted.addAndGet(b.remaining()));

        StepVerifier.create(writer(held, Bytes.digest(), Long.MAX_VALUE).write(origin))
                .then(() -> assertThat(emitted.get())
                        .as("bytes taken from the origin while the first write is stuck")
                        .isGreaterThanOrEqualTo(BUFFER)
                        .isLessThanOrEqualTo(3L * BUFFER))
                .then(held::passThrough)
                .expectNext((long) body.length)
                .verifyComplete();
    }

    // ---- limits ---------------------------------------------------------------------------------

    @Test
    void aBodyLongerThanTheLimitIsCutOffTheMomentItOverflows() {
        byte[] body = Bytes.random(100_000, 15);
        AtomicLong emitted = new AtomicLong();
        Flux<ByteBuffer> endless = Flux.<ByteBuffer>generate(
                        sink -> sink.next(ByteBuffer.wrap(body, 0, 1000).slice()))
                .doOnNext(b -> emitted.addAndGet(b.remaining()));
        AtomicInteger cancels = new AtomicInteger();

        StepVerifier.create(writer(file, Bytes.digest(), 50_000).write(endless.doOnCancel(cancels::incrementAndGet)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StreamingWriter.Overflow.class);
                    assertThat(((StreamingWriter.Overflow) e).reached()).isEqualTo(51_000);
                })
                .verify(Duration.ofSeconds(30));

        assertThat(cancels.get()).isEqualTo(1);
        assertThat(emitted.get())
                .as("not one chunk more than the one that overflowed")
                .isEqualTo(51_000);
    }

    @Test
    void aFailingWriteCancelsTheBodyAndFailsWithWriteFailed() {
        AsynchronousFileChannel full = new DelegatingChannel(file) {
            @Override
            public <A> void write(
                    ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
                handler.failed(new IOException("No space left on device"), attachment);
            }
        };
        AtomicInteger cancels = new AtomicInteger();
        Flux<ByteBuffer> endless = Flux.<ByteBuffer>generate(sink -> sink.next(ByteBuffer.allocate(8192)))
                .doOnCancel(cancels::incrementAndGet);

        StepVerifier.create(writer(full, Bytes.digest(), Long.MAX_VALUE).write(endless))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StreamingWriter.WriteFailed.class)
                        .hasMessageContaining("No space left"))
                .verify(Duration.ofSeconds(30));
        assertThat(cancels.get()).isEqualTo(1);
    }

    @Test
    void noBytesForTheIdleTimeoutFailsWithStalledInVirtualTime() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        StreamingWriter writer = inVirtualTime(clock, 0);
        Flux<ByteBuffer> stalls = Flux.just(ByteBuffer.allocate(100)).concatWith(Flux.never());

        StepVerifier.create(writer.write(stalls))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(29)))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(9)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StreamingWriter.Stalled.class)
                        .hasMessageContaining("no bytes arrived for 30000 ms"))
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void aTrickleBelowTheMinimumThroughputFailsEvenThoughBytesKeepComing() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        StreamingWriter writer = inVirtualTime(clock, 1024);
        Flux<ByteBuffer> trickle = Flux.interval(Duration.ofSeconds(20), clock).map(i -> ByteBuffer.allocate(1));

        StepVerifier.create(writer.write(trickle))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(59)))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> clock.advanceTimeBy(Duration.ofSeconds(20)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StreamingWriter.Stalled.class)
                        .hasMessageContaining("below the minimum of 1024 bytes/s"))
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void aSlowButSteadyBodyIsNeverTimedOut() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        StreamingWriter writer = inVirtualTime(clock, 1024);
        Flux<ByteBuffer> slow =
                Flux.range(0, 600).map(i -> ByteBuffer.allocate(2048)).delayElements(Duration.ofSeconds(1), clock);

        StepVerifier.create(writer.write(slow))
                .then(() -> clock.advanceTimeBy(Duration.ofMinutes(11)))
                .expectNext(600L * 2048)
                .verifyComplete();
    }

    // ---- checkpoints and early syncs -------------------------------------------------------------

    @Test
    void checkpointsReportTheDigestOfExactlyThePrefixTheyName() {
        byte[] body = Bytes.random(10 * BUFFER + 123, 16);
        List<long[]> positions = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>();
        StreamingWriter writer = new StreamingWriter(
                file,
                0,
                Bytes.digest(),
                Long.MAX_VALUE,
                settings(BUFFER, executor, Schedulers.parallel(), 0, 0, 3L * BUFFER),
                new StreamingWriter.Listener() {
                    @Override
                    public void written(long position) {}

                    @Override
                    public void checkpoint(long position, byte[] sha256OfPrefix) {
                        positions.add(new long[] {position});
                        digests.add(sha256OfPrefix);
                    }
                });

        StepVerifier.create(writer.write(chunks(body, 7000)))
                .expectNext((long) body.length)
                .verifyComplete();

        assertThat(positions).extracting(p -> p[0]).containsExactly(3L * BUFFER, 6L * BUFFER, 9L * BUFFER);
        for (int i = 0; i < positions.size(); i++) {
            int n = (int) positions.get(i)[0];
            assertThat(digests.get(i)).isEqualTo(Bytes.digest().digest(java.util.Arrays.copyOf(body, n)));
        }
    }

    @Test
    void theFileIsSyncedInTheBackgroundAsItGrowsSoTheFinalSyncHasLittleLeft() {
        byte[] body = Bytes.random(10 * BUFFER, 17);
        AtomicInteger syncs = new AtomicInteger();
        AsynchronousFileChannel counting = new DelegatingChannel(file) {
            @Override
            public void force(boolean metaData) throws IOException {
                syncs.incrementAndGet();
                super.force(metaData);
            }
        };
        StreamingWriter writer = new StreamingWriter(
                counting,
                0,
                Bytes.digest(),
                Long.MAX_VALUE,
                settings(BUFFER, executor, Schedulers.parallel(), 0, 2L * BUFFER, 0),
                progress::add);

        StepVerifier.create(writer.write(chunks(body, 8192)))
                .expectNext((long) body.length)
                .verifyComplete();

        assertThat(syncs.get()).isBetween(1, 5);
    }

    @Test
    void aFailedBackgroundSyncFailsTheWriteAndIsNeverRetried() {
        AtomicInteger syncs = new AtomicInteger();
        AsynchronousFileChannel failing = new DelegatingChannel(file) {
            @Override
            public void force(boolean metaData) throws IOException {
                syncs.incrementAndGet();
                throw new IOException("Input/output error");
            }
        };
        Flux<ByteBuffer> endless = Flux.<ByteBuffer>generate(sink -> sink.next(ByteBuffer.allocate(8192)));
        StreamingWriter writer = new StreamingWriter(
                failing,
                0,
                Bytes.digest(),
                Long.MAX_VALUE,
                settings(BUFFER, executor, Schedulers.parallel(), 0, BUFFER, 0),
                progress::add);

        StepVerifier.create(writer.write(endless))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StreamingWriter.WriteFailed.class)
                        .hasMessageContaining("Input/output"))
                .verify(Duration.ofSeconds(30));
        assertThat(syncs.get()).isEqualTo(1);
    }

    // ---- helpers ----------------------------------------------------------------------------------

    @Test
    void buffersSmallerThanAChunkStillAskForTheBody() throws Exception {
        // The engine shrinks buffers to 4 KiB for small artifacts: 3 of them hold less than the
        // 16 KiB first guess of a chunk's size, and the writer must still request something.
        byte[] body = Bytes.random(1_000, 13);
        MessageDigest digest = Bytes.digest();
        StreamingWriter small = new StreamingWriter(
                file, 0, digest, body.length, settings(4096, executor, Schedulers.parallel(), 0, 0, 0), progress::add);

        StepVerifier.create(small.write(chunks(body, body.length)))
                .expectNext((long) body.length)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(Files.readAllBytes(dir.resolve("part"))).isEqualTo(body);
    }

    private StreamingWriter writer(AsynchronousFileChannel channel, MessageDigest digest, long limit) {
        return new StreamingWriter(
                channel, 0, digest, limit, settings(BUFFER, executor, Schedulers.parallel(), 0, 0, 0), progress::add);
    }

    /** Everything on the test thread: writes complete inline and the hash lane runs inline. */
    private StreamingWriter inVirtualTime(VirtualTimeScheduler clock, long minBytesPerSecond) {
        return new StreamingWriter(
                new InlineWrites(file),
                0,
                Bytes.digest(),
                Long.MAX_VALUE,
                settings(BUFFER, Runnable::run, clock, minBytesPerSecond, 0, 0),
                progress::add);
    }

    private StreamingWriter.Settings settings(
            int bufferSize,
            java.util.concurrent.Executor lanes,
            reactor.core.scheduler.Scheduler timer,
            long minBytesPerSecond,
            long syncEvery,
            long checkpointEvery) {
        return new StreamingWriter.Settings(
                bufferSize,
                3,
                lanes,
                timer,
                Duration.ofSeconds(30),
                minBytesPerSecond,
                Duration.ofSeconds(60),
                syncEvery,
                checkpointEvery);
    }

    private static Flux<ByteBuffer> chunks(byte[] body, int size) {
        return Flux.range(0, (body.length + size - 1) / size)
                .map(i -> ByteBuffer.wrap(body, i * size, Math.min(size, body.length - i * size))
                        .slice());
    }

    private static Flux<ByteBuffer> randomChunks(byte[] body, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ByteBuffer> out = new ArrayList<>();
        int at = 0;
        while (at < body.length) {
            int n = Math.min(body.length - at, 1 + random.nextInt(200_000));
            out.add(ByteBuffer.wrap(body, at, n).slice());
            at += n;
        }
        return Flux.fromIterable(out);
    }

    /** A channel whose writes wait until {@link #passThrough}, to model a stuck disk. */
    private static final class HeldWrites extends DelegatingChannel {
        private final List<Runnable> held = new ArrayList<>();
        private boolean open;

        HeldWrites(AsynchronousFileChannel delegate) {
            super(delegate);
        }

        @Override
        public <A> void write(
                ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
            synchronized (held) {
                if (!open) {
                    held.add(() -> delegate.write(src, position, attachment, handler));
                    return;
                }
            }
            delegate.write(src, position, attachment, handler);
        }

        void passThrough() {
            List<Runnable> now;
            synchronized (held) {
                open = true;
                now = new ArrayList<>(held);
                held.clear();
            }
            now.forEach(Runnable::run);
        }
    }

    /** A channel whose writes complete on the calling thread, so virtual time sees every step. */
    private static final class InlineWrites extends DelegatingChannel {
        InlineWrites(AsynchronousFileChannel delegate) {
            super(delegate);
        }

        @Override
        public <A> void write(
                ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
            int n;
            try {
                n = delegate.write(src, position).get();
            } catch (Exception e) {
                handler.failed(e, attachment);
                return;
            }
            handler.completed(n, attachment);
        }
    }
}
