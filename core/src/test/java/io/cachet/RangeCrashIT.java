package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Jvm;
import io.cachet.testing.SlowFileOrigin;
import io.cachet.testing.SlowFileOrigin.Open;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/architecture.md, "Resume" (docs/reliability.md P3, N22): a process killed with {@code kill
 * -9} while it fetched in parallel ranges leaves its part and the ranges its sidecar recorded; the
 * next process asks only for the ranges that are missing.
 */
@Timeout(180)
class RangeCrashIT {
    private static final int SIZE = 32 * 1024 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final long PAUSE_AT = 4L * 1024 * 1024;
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(SIZE, 71);
    private final Sha256 sha = Bytes.sha256(body);

    @Test
    void aProcessKilledMidRangesIsResumedByTheNextWhichAsksOnlyForTheMissingRanges() throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Jvm holder = jvms.start(CacheWorker.on(
                jvms.root(),
                artifact,
                log,
                "--sha=" + sha.hex(),
                "--chunk=" + CHUNK,
                "--tick-ms=2",
                "--connections=4",
                "--pause-at=" + PAUSE_AT)); // Whichever range reaches 4 MiB waits there for good.
        holder.awaitLine("PAUSED offset=" + PAUSE_AT, PATIENCE);
        List<long[]> recorded = awaitRecorded(SIZE / 2);
        holder.destroyForcibly();
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(Jvm.KILLED);
        recorded = ranges(); // The last record before the kill.
        long kept = recorded.stream().mapToLong(r -> r[1] - r[0]).sum();

        Jvm next = jvms.start(CacheWorker.on(jvms.root(), artifact, log, "--sha=" + sha.hex(), "--connections=4"));

        assertThat(next.awaitExit(PATIENCE)).as(next::report).isEqualTo(CacheWorker.OK);
        assertThat(next.lines())
                .as(next::report)
                .contains("RESUMED offset=" + kept)
                .anyMatch(l -> l.startsWith("RESULT RESUMED ") && l.endsWith(" " + sha.hex()));
        List<Open> asked = SlowFileOrigin.opens(log).stream()
                .filter(o -> o.pid() == next.pid())
                .toList();
        java.util.TreeMap<Long, Long> union = new java.util.TreeMap<>();
        for (Open o : asked) {
            assertThat(o.end()).as("a bounded range: %s", o).isPositive();
            for (long[] r : recorded) {
                assertThat(o.end() <= r[0] || o.offset() >= r[1])
                        .as("%s asks nothing of the recorded bytes %d-%d", o, r[0], r[1] - 1)
                        .isTrue();
            }
            union.merge(o.offset(), o.end(), Math::max);
        }
        // A range split while it runs is asked for whole, then cut where the other half starts.
        long covered = 0;
        long reach = 0;
        for (var e : union.entrySet()) {
            long from = Math.max(e.getKey(), reach);
            if (e.getValue() > from) {
                covered += e.getValue() - from;
                reach = e.getValue();
            }
        }
        assertThat(covered).as("bytes asked for after the kill, once each").isEqualTo(SIZE - kept);
        assertThat(Files.readAllBytes(CacheFiles.blob(jvms.root(), sha))).isEqualTo(body);
    }

    /** Waits until the holder's sidecar records at least {@code bytes} in ranges; returns them. */
    private List<long[]> awaitRecorded(long bytes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            List<long[]> ranges = ranges();
            if (ranges.stream().mapToLong(r -> r[1] - r[0]).sum() >= bytes) {
                return ranges;
            }
            TimeUnit.MILLISECONDS.sleep(20); // Polling a file another process rewrites, with a deadline.
        }
        throw new AssertionError("the holder never recorded " + bytes + " bytes in ranges");
    }

    private List<long[]> ranges() {
        return CacheFiles.recordedRanges(jvms.root());
    }
}
