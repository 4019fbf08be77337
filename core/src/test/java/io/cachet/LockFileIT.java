package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Jvm;
import io.cachet.testing.LockProbe;
import io.cachet.testing.SlowFileOrigin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3, behaviour 8 (docs/reliability.md P8, S14): a third party deleting or replacing a lock file
 * costs at most a second download, never a corrupt file, and is reported; a lock file's contents
 * are never believed.
 */
@Timeout(120)
class LockFileIT {
    private static final int SIZE = 512 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final long HELD_AT = 4L * CHUNK;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String KEY = "weights.bin";

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(SIZE, 8);
    private final Sha256 sha = Bytes.sha256(body);

    /** Whether the lock file exists when the holder opens it. */
    enum LockFile {
        NEW,
        EXISTING
    }

    @ParameterizedTest
    @EnumSource(LockFile.class)
    void aLockFileReplacedJustAfterTheHolderOpenedItIsNotTrustedAndTheHolderLocksTheFileItsPathNames(LockFile state)
            throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Path lock = CacheFiles.lockFile(createLayout(), KEY);
        if (state == LockFile.EXISTING) {
            Files.createFile(lock);
        }
        Jvm holder = jvms.start(worker(artifact, log, "--replace-lock-after-open", "--pause-at=" + HELD_AT));
        holder.awaitLine("REPLACED ", PATIENCE);
        holder.awaitLine("PAUSED offset=" + HELD_AT, PATIENCE);

        assertThat(LockProbe.ask(jvms, lock))
                .as("the lock a newcomer would take is held: no second holder possible")
                .isEqualTo("BUSY");
        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
    }

    /** What a third party does to the lock file while a process holds it. */
    enum Meddling {
        DELETED,
        REPLACED
    }

    @ParameterizedTest
    @EnumSource(Meddling.class)
    void aLockFileDeletedOrReplacedWhileHeldCostsASecondDownloadNeverACorruptFileAndIsReported(Meddling meddling)
            throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Jvm holder = jvms.start(worker(artifact, log, "--pause-at=" + HELD_AT));
        holder.awaitLine("PAUSED offset=" + HELD_AT, PATIENCE);
        Path lock = CacheFiles.lockFile(jvms.root(), KEY);

        if (meddling == Meddling.DELETED) {
            Files.delete(lock);
        } else {
            Path other = Files.write(jvms.root().resolve("other.lock"), new byte[0]);
            Files.move(other, lock, StandardCopyOption.ATOMIC_MOVE);
        }
        Jvm second = jvms.start(worker(artifact, log));
        assertThat(second.awaitExit(PATIENCE)).as(second::report).isEqualTo(CacheWorker.OK);
        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);

        assertThat(second.lines())
                .as(second::report)
                .anyMatch(l -> l.startsWith("RESULT DOWNLOADED ") && l.endsWith(sha.hex()));
        assertThat(holder.lines())
                .as(holder::report)
                .anyMatch(l -> l.startsWith("RESULT DOWNLOADED ") && l.endsWith(sha.hex()));
        assertThat(SlowFileOrigin.opens(log)).as("two holders, two downloads").hasSize(2);
        assertThat(Files.readAllBytes(CacheFiles.blob(jvms.root(), sha))).isEqualTo(body);
        assertThat(holder.errors())
                .as("the holder says what happened")
                .contains("Lock file " + lock + " was deleted or replaced while this process held it");
        assertThat(lock).exists();
    }

    @Test
    void aWaiterNamesTheHolderFromItsOwnRecordNeverFromWhatTheLockFileSays() throws Exception {
        jvms.allowForeignLockContents();
        Path log = jvms.dir().resolve("origin.log");
        Path lock = CacheFiles.lockFile(createLayout(), "planted");
        String planted = "locked by process 1 at 2099-01-01T00:00:00Z\npid=1\nbytes=999999999\n";
        Files.writeString(lock, planted, StandardCharsets.UTF_8);

        byte[] other = Bytes.random(SIZE, 9);
        Path otherArtifact = Files.write(jvms.dir().resolve("other.bin"), other);
        String pin = "--sha=" + Bytes.sha256(other).hex();
        Jvm holder = jvms.start(worker(otherArtifact, log, "--key=planted", pin, "--pause-at=" + HELD_AT));
        holder.awaitLine("PAUSED offset=" + HELD_AT, PATIENCE);
        CacheFiles.awaitPart(jvms.root(), HELD_AT, PATIENCE);
        Jvm impatient = jvms.start(worker(otherArtifact, log, "--key=planted", pin, "--lock-timeout-ms=500"));

        assertThat(impatient.awaitExit(PATIENCE)).as(impatient::report).isEqualTo(CacheWorker.LOCK_TIMEOUT);
        assertThat(impatient.lines())
                .as(impatient::report)
                .contains("LOCK_TIMEOUT holder=" + holder.pid() + " bytes=" + HELD_AT + " total=" + SIZE)
                .noneMatch(l -> l.contains("process 1 "));
        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
        assertThat(Files.readString(lock))
                .as("nobody rewrote or truncated the lock file")
                .isEqualTo(planted);
    }

    /** Creates the cache's directories, as any process using it would. */
    private Path createLayout() {
        try (Cache cache = Cache.builder().root(jvms.root()).build()) {
            return cache.root();
        }
    }

    private Jvm.Spec worker(Path artifact, Path log, String... more) {
        return CacheWorker.on(jvms.root(), artifact, log, "--key=" + KEY, "--sha=" + sha.hex(), "--chunk=" + CHUNK)
                .with(more);
    }
}
