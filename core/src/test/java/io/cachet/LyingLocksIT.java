package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Jvm;
import io.cachet.testing.SlowFileOrigin;
import io.cachet.testing.StartGate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, behaviour 6 (docs/architecture.md, "Correct even when locks lie"; docs/reliability.md I3, P7, P11): where file locks lie
 * (Lustre, GPFS, some NFS) every process "gets" the lock, so locks only save bandwidth and never
 * decide correctness. Several processes downloading at once still end with one correct blob, and
 * a reader never sees a partial file. The warning for network file systems is {@code
 * StoreSetupTest}.
 */
@Timeout(120)
class LyingLocksIT {
    private static final int PROCESSES = 3;
    private static final int SIZE = 1024 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final long PAUSE = 8L * CHUNK;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    @Test
    void processesWhoseLocksAllSucceedEachDownloadYetPublishOneCorrectBlobThatIsNeverSeenHalfWritten()
            throws Exception {
        byte[] body = Bytes.random(SIZE, 6);
        Sha256 sha = Bytes.sha256(body);
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Path gatePath = jvms.dir().resolve("gate");
        List<Jvm> writers = new ArrayList<>();
        Reader reader;

        try (StartGate gate = StartGate.hold(gatePath)) {
            for (int i = 0; i < PROCESSES; i++) {
                writers.add(jvms.start(CacheWorker.on(
                        jvms.root(),
                        artifact,
                        log,
                        "--sha=" + sha.hex(),
                        "--fetches=10",
                        "--locks-lie",
                        "--gate=" + gatePath,
                        "--chunk=" + CHUNK,
                        "--tick-ms=2",
                        "--pause-at=" + PAUSE)));
            }
            for (Jvm writer : writers) {
                writer.awaitLine("READY", PATIENCE);
            }
            gate.open();
            for (Jvm writer : writers) {
                writer.awaitLine("PAUSED offset=" + PAUSE, PATIENCE); // All of them "hold the lock" at once.
            }
            reader = new Reader(CacheFiles.blob(jvms.root(), sha), body);
            reader.start();
            writers.forEach(writer -> writer.tell("GO"));
        }

        try {
            for (Jvm writer : writers) {
                assertThat(writer.awaitExit(PATIENCE)).as(writer::report).isEqualTo(CacheWorker.OK);
                assertThat(writer.lines("RESULT "))
                        .as(writer::report)
                        .hasSize(10)
                        .allMatch(l -> l.endsWith(" " + sha.hex()));
            }
        } finally {
            reader.finish();
        }
        assertThat(reader.problems)
                .as("what readers saw at the final path while it was published")
                .isEmpty();
        assertThat(reader.complete.get()).as("complete reads").isPositive();
        assertThat(SlowFileOrigin.opens(log))
                .as("every process downloaded: the locks lied")
                .hasSize(PROCESSES);
        assertThat(Files.readAllBytes(CacheFiles.blob(jvms.root(), sha))).isEqualTo(body);
    }

    /** Reads the final path over and over, as a consumer would: absent is fine, partial never. */
    private static final class Reader extends Thread {
        private final Path blob;
        private final byte[] expected;
        private final AtomicBoolean done = new AtomicBoolean();
        final AtomicInteger complete = new AtomicInteger();
        final List<String> problems = new CopyOnWriteArrayList<>();

        Reader(Path blob, byte[] expected) {
            super("blob-reader");
            this.blob = blob;
            this.expected = expected;
        }

        @Override
        public void run() {
            // Keep reading until told to stop, and at least once after that (the blob is there by then).
            boolean last = false;
            while (!last) {
                last = done.get();
                try {
                    byte[] seen = Files.readAllBytes(blob);
                    if (!Bytes.sha256(seen).equals(Bytes.sha256(expected))) {
                        problems.add("read " + seen.length + " bytes that do not hash to the blob's name");
                    } else {
                        complete.incrementAndGet();
                    }
                } catch (NoSuchFileException absent) {
                    // Not published yet.
                } catch (IOException e) {
                    problems.add("read failed: " + e);
                }
                Thread.yield(); // Two cores, three writers: leave them room to publish.
            }
        }

        void finish() throws InterruptedException {
            done.set(true);
            join(Duration.ofSeconds(30).toMillis());
        }
    }
}
