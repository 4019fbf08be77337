package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Jvm;
import io.cachet.testing.SlowFileOrigin;
import io.cachet.testing.StartGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, behaviour 1 (docs/reliability.md P2): several processes, each with many callers, fetching
 * one key at once from a slow origin cause one download, and every caller gets the same verified
 * file. Behaviour 7 (two caches in one JVM, one reached through a symlink) is {@link
 * SingleFlightTest#twoCachesOnOneDirectoryInOneJvmDownloadOnceAndNeverOverlapTheirFileLocks}.
 */
@Timeout(120)
class StampedeIT {
    private static final int PROCESSES = 4;
    private static final int FETCHES = 50;
    private static final int SIZE = 1024 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    @Test
    void fourProcessesOfFiftyCallersEachDownloadOnceAndAllGetTheSameVerifiedFile() throws Exception {
        byte[] body = Bytes.random(SIZE, 1);
        Sha256 sha = Bytes.sha256(body);
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        List<Jvm> children = new ArrayList<>();

        try (StartGate gate = StartGate.hold(jvms.dir().resolve("gate"))) {
            for (int i = 0; i < PROCESSES; i++) {
                children.add(jvms.start(CacheWorker.on(
                        jvms.root(),
                        artifact,
                        log,
                        "--sha=" + sha.hex(),
                        "--fetches=" + FETCHES,
                        "--gate=" + jvms.dir().resolve("gate"),
                        "--chunk=" + CHUNK,
                        "--tick-ms=5",
                        "--pause-at=" + 8 * CHUNK)));
            }
            for (Jvm child : children) {
                child.awaitLine("READY", PATIENCE);
            }
            gate.open();
            // The holder's download stops at a pause until every process has either taken the lock or
            // is waiting for it: the contention is certain, not a matter of timing.
            for (Jvm child : children) {
                child.awaitLine(l -> l.equals("LOCKED") || l.startsWith("WAITING"), PATIENCE);
            }
            children.forEach(child -> child.tell("GO"));
        }

        List<String> results = new ArrayList<>();
        for (Jvm child : children) {
            assertThat(child.awaitExit(PATIENCE)).as(child::report).isEqualTo(CacheWorker.OK);
            assertThat(child.lines("RESULT ")).as(child::report).hasSize(FETCHES);
            results.addAll(child.lines("RESULT "));
        }
        assertThat(SlowFileOrigin.opens(log))
                .as("origin opens across all processes")
                .hasSize(1);
        assertThat(results)
                .extracting(r -> r.split(" ")[2])
                .as("paths")
                .containsOnly(results.get(0).split(" ")[2]);
        assertThat(results).extracting(r -> r.split(" ")[3]).as("digests").containsOnly(sha.hex());
        assertThat(results)
                .extracting(r -> r.split(" ")[1])
                .as("sources")
                .containsOnly("DOWNLOADED", "WAITED")
                .filteredOn("DOWNLOADED"::equals)
                .hasSize(1);
        assertThat(children)
                .as("processes that waited for another's lock")
                .filteredOn(child -> !child.lines("WAITING").isEmpty())
                .hasSize(PROCESSES - 1);
        assertThat(Files.readAllBytes(Path.of(results.get(0).split(" ")[2]))).isEqualTo(body);
    }
}
