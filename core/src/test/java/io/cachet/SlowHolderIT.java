package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.FileTree;
import io.cachet.testing.Jvm;
import io.cachet.testing.SlowFileOrigin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3, behaviours 4 and 5: the seed's scenario (docs/reliability.md P5, the beaker regression) and
 * a waiter that is never silent. A holder slower than a waiter's patience keeps its lock: the
 * impatient waiter fails naming it and changes nothing, the patient one gets the holder's file.
 */
@Timeout(120)
class SlowHolderIT {
    private static final int SIZE = 1024 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final long HELD_AT = 8L * CHUNK;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String KEY = "resnet50.onnx";

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(SIZE, 4);
    private final Sha256 sha = Bytes.sha256(body);

    /** How the holder is slower than the waiter's patience. */
    enum Holder {
        /** Running, but its origin sends nothing for now. */
        ALIVE_BUT_SLOW,
        /** Frozen with SIGSTOP, as in a long GC pause or a hung NFS read. */
        FROZEN
    }

    @ParameterizedTest
    @EnumSource(Holder.class)
    void aWaiterPastItsDeadlineFailsNamingTheHolderAndChangesNothingWhilePatientWaitersGetTheHoldersFile(Holder kind)
            throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Jvm holder = jvms.start(worker(artifact, log, "--pause-at=" + HELD_AT));
        holder.awaitLine("PAUSED offset=" + HELD_AT, PATIENCE);
        Path part = CacheFiles.awaitPart(jvms.root(), HELD_AT, PATIENCE);
        Jvm patient = jvms.start(worker(artifact, log));
        patient.awaitLine("WAITING holder=" + holder.pid(), PATIENCE);
        Path lock = CacheFiles.lockFile(jvms.root(), KEY);
        Object lockInode = FileTree.inode(lock);

        Jvm impatient;
        Map<String, FileTree.Entry> before;
        Map<String, FileTree.Entry> after;
        try {
            if (kind == Holder.FROZEN) {
                holder.freeze();
            }
            before = FileTree.snapshot(jvms.root());
            impatient = jvms.start(worker(artifact, log, "--lock-timeout-ms=1000"));
            assertThat(impatient.awaitExit(PATIENCE)).as(impatient::report).isEqualTo(CacheWorker.LOCK_TIMEOUT);
            after = FileTree.snapshot(jvms.root());
        } finally {
            holder.resume();
        }

        assertThat(impatient.lines())
                .as(impatient::report)
                .contains("WAITING holder=" + holder.pid())
                .contains("LOCK_TIMEOUT holder=" + holder.pid() + " bytes=" + HELD_AT + " total=" + SIZE)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("ERROR LockTimeoutException ")
                        .contains("process " + holder.pid() + " holds its lock (" + lock + ")")
                        .contains("has written 256.0 KiB of 1.0 MiB")
                        .contains("do not delete the lock file"));
        assertThat(after)
                .as("the impatient waiter created, deleted or changed nothing: not the lock, not the part")
                .isEqualTo(before);
        assertThat(before).containsKey(jvms.root().relativize(part).toString());

        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
        assertThat(patient.awaitExit(PATIENCE)).as(patient::report).isEqualTo(CacheWorker.OK);
        assertThat(holder.lines()).anyMatch(l -> l.startsWith("RESULT DOWNLOADED "));
        assertThat(patient.lines())
                .as(patient::report)
                .anyMatch(l -> l.startsWith("RESULT WAITED ") && l.endsWith(sha.hex()));
        assertThat(SlowFileOrigin.opens(log)).as("downloads").hasSize(1);
        assertThat(FileTree.inode(lock)).as("the lock file is the same file").isEqualTo(lockInode);
    }

    @Test
    void aWaitingProcessReportsTheHolderAndItsGrowingProgressReadFromTheHoldersRecord() throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        long first = HELD_AT;
        long second = 3 * HELD_AT;
        Jvm holder = jvms.start(worker(artifact, log, "--pause-at=" + first + "," + second));
        holder.awaitLine("PAUSED offset=" + first, PATIENCE);
        Jvm waiter = jvms.start(worker(artifact, log));

        waiter.awaitLine("WAITING holder=" + holder.pid(), PATIENCE);
        waiter.awaitLine("REMOTE bytes=" + first + " total=" + SIZE, PATIENCE);
        holder.tell("GO");
        holder.awaitLine("PAUSED offset=" + second, PATIENCE);
        waiter.awaitLine("REMOTE bytes=" + second + " total=" + SIZE, PATIENCE);
        holder.tell("GO");

        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
        assertThat(waiter.awaitExit(PATIENCE)).as(waiter::report).isEqualTo(CacheWorker.OK);
        List<Long> seen = waiter.lines("REMOTE ").stream()
                .map(l -> Long.parseLong(l.substring("REMOTE bytes=".length(), l.indexOf(" total="))))
                .toList();
        assertThat(seen).as(waiter::report).isSorted().doesNotHaveDuplicates().contains(first, second);
        assertThat(waiter.lines().indexOf("WAITING holder=" + holder.pid()))
                .as("Waiting comes before any progress")
                .isLessThan(waiter.lines().indexOf(waiter.lines("REMOTE ").get(0)));
        assertThat(waiter.lines()).anyMatch(l -> l.startsWith("RESULT WAITED "));
        assertThat(SlowFileOrigin.opens(log)).hasSize(1);
    }

    private Jvm.Spec worker(Path artifact, Path log, String... more) {
        return CacheWorker.on(
                        jvms.root(),
                        artifact,
                        log,
                        "--key=" + KEY,
                        "--sha=" + sha.hex(),
                        "--chunk=" + CHUNK,
                        "--tick-ms=2")
                .with(more);
    }
}
