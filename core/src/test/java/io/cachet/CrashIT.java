package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.FileTree;
import io.cachet.testing.Jvm;
import io.cachet.testing.SlowFileOrigin;
import io.cachet.testing.SlowFileOrigin.Open;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3, behaviour 3 (docs/reliability.md P3, P4 and the crash table of "The durable commit"): a holder that dies,
 * mid-body or at any step of the commit, costs at most the bytes it had not yet written. The lock
 * dies with it; the next process adopts what is provably orphaned, or finds the blob published.
 */
@Timeout(120)
class CrashIT {
    private static final int SIZE = 1024 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final long KILLED_AT = 12L * CHUNK;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int USER = 4245;

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(SIZE, 3);
    private final Sha256 sha = Bytes.sha256(body);

    @Test
    void aHolderKilledMidBodyIsResumedByTheWaitingProcessWhichAsksOnlyForTheRest() throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Jvm holder = jvms.start(CacheWorker.on(
                jvms.root(),
                artifact,
                log,
                "--sha=" + sha.hex(),
                "--chunk=" + CHUNK,
                "--tick-ms=2",
                "--pause-at=" + KILLED_AT));
        holder.awaitLine("PAUSED offset=" + KILLED_AT, PATIENCE);
        CacheFiles.awaitPart(jvms.root(), KILLED_AT, PATIENCE);
        String progress = holder.awaitLine("BYTES ", PATIENCE);
        assertThat(Long.parseLong(progress.substring(6)))
                .as("the holder reports progress mid-body")
                .isBetween(1L, KILLED_AT);

        Jvm waiter = jvms.start(CacheWorker.on(jvms.root(), artifact, log, "--sha=" + sha.hex(), "--chunk=" + CHUNK));
        waiter.awaitLine("WAITING holder=" + holder.pid(), PATIENCE);
        holder.destroyForcibly();

        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(Jvm.KILLED);
        assertThat(waiter.awaitExit(PATIENCE)).as(waiter::report).isEqualTo(CacheWorker.OK);
        assertThat(waiter.lines())
                .as(waiter::report)
                .contains("RESUMED offset=" + KILLED_AT)
                .anyMatch(l -> l.startsWith("RESULT RESUMED ") && l.endsWith(" " + sha.hex()));
        List<Open> opens = SlowFileOrigin.opens(log);
        assertThat(opens).extracting(Open::pid).containsExactly(holder.pid(), waiter.pid());
        assertThat(opens.get(0).offset()).isZero();
        assertThat(opens.get(1).offset())
                .as("the waiter asked for the remainder only")
                .isEqualTo(KILLED_AT);
        assertThat(opens.get(1).ifRange())
                .as("with the validator the first bytes came with")
                .isEqualTo(etagOf(artifact));
        assertThat(Files.readAllBytes(CacheFiles.blob(jvms.root(), sha))).isEqualTo(body);
    }

    @Test
    void aReadOnlyPartLeftByAKilledHolderIsResumedByItsOwnerWithoutRootEvenAfterACrashWhileAdoptingIt()
            throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to run as another user");
        Assumptions.assumeTrue(
                (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
                "needs root to run children as another user");
        Path dir = jvms.dir();
        Files.setAttribute(dir, "unix:mode", 0755);
        Path root = Files.createDirectory(jvms.root());
        Files.setAttribute(root, "unix:uid", USER);
        Path artifact = Files.write(dir.resolve("model.bin"), body);
        Files.setAttribute(artifact, "unix:mode", 0644);
        Path log = Files.createFile(dir.resolve("origin.log"));
        Files.setAttribute(log, "unix:mode", 0666);
        String classes = Jvm.portableClassPath(Files.createDirectory(dir.resolve("classpath")));
        String[] fetch = {"--sha=" + sha.hex(), "--chunk=" + CHUNK};

        Jvm holder = jvms.start(asUser(
                CacheWorker.on(
                        root, artifact, log, "--sha=" + sha.hex(), "--chunk=" + CHUNK, "--pause-at=" + KILLED_AT),
                classes));
        holder.awaitLine("PAUSED offset=" + KILLED_AT, PATIENCE);
        Path part = CacheFiles.awaitPart(root, KILLED_AT, PATIENCE);
        assertThat(FileTree.mode(part))
                .as("a part is created with the blob's read-only mode; its writer's channel stays writable")
                .isEqualTo(0444);
        holder.destroyForcibly();
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(Jvm.KILLED);

        // The next holder adopts the part, makes it writable for itself, and is killed right then.
        Jvm adopter = jvms.start(asUser(
                CacheWorker.on(root, artifact, log, fetch).with("--halt-after=SET_MODE", "--halt-on=part"), classes));
        assertThat(adopter.awaitExit(PATIENCE)).as(adopter::report).isEqualTo(Jvm.KILLED);
        assertThat(CacheFiles.parts(root))
                .singleElement()
                .satisfies(left -> assertThat(FileTree.mode(left)).isEqualTo(0600));

        Jvm next = jvms.start(asUser(CacheWorker.on(root, artifact, log, fetch), classes));
        assertThat(next.awaitExit(PATIENCE)).as(next::report).isEqualTo(CacheWorker.OK);
        assertThat(next.lines()).as(next::report).contains("RESUMED offset=" + KILLED_AT);
        Path blob = CacheFiles.blob(root, sha);
        assertThat(Files.readAllBytes(blob)).isEqualTo(body);
        assertThat(FileTree.mode(blob)).isEqualTo(0444);
        assertThat(SlowFileOrigin.opens(log))
                .extracting(Open::offset)
                .as("the bytes before the first kill were downloaded once")
                .containsExactly(0L, KILLED_AT);
    }

    private static Jvm.Spec asUser(Jvm.Spec spec, String classPath) {
        return spec.onClassPath(classPath).wrappedIn("setpriv", "--reuid=" + USER, "--regid=" + USER, "--clear-groups");
    }

    /** The steps of the commit (docs/reliability.md, "The durable commit") at which a holder is made to crash. */
    enum CrashPoint {
        AFTER_THE_LAST_BYTE(false, "--halt-before=FORCE", "--halt-on=part"),
        AFTER_FORCE(false, "--halt-after=FORCE", "--halt-on=part"),
        AFTER_THE_MOVE_INTO_BLOBS(true, "--halt-after=MOVE", "--halt-on=blob"),
        BEFORE_THE_BLOB_DIRECTORY_SYNC(true, "--halt-before=SYNC_DIRECTORY", "--halt-on=blob-dir"),
        // A new fan-out directory's entry is synced in the same round as the blob's directory and refs/.
        BEFORE_THE_NEW_FAN_OUT_DIRECTORYS_SYNC(true, "--halt-before=SYNC_DIRECTORY", "--halt-on=fan-outs"),
        AFTER_THE_KEY_RECORD(true, "--halt-after=MOVE", "--halt-on=refs"),
        BEFORE_UNLOCK(true, "--halt-before=UNLOCK", "--halt-on=any");

        final boolean published;
        final String[] args;

        CrashPoint(boolean published, String... args) {
            this.published = published;
            this.args = args;
        }
    }

    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void afterACrashAtAnyStepOfTheCommitTheFinalPathIsAbsentOrVerifiedAndTheNextProcessSucceeds(CrashPoint crash)
            throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Path log = jvms.dir().resolve("origin.log");
        Jvm crashing = jvms.start(
                CacheWorker.on(jvms.root(), artifact, log, "--sha=" + sha.hex()).with(crash.args));
        assertThat(crashing.awaitExit(PATIENCE)).as(crashing::report).isEqualTo(Jvm.KILLED);

        Path blob = CacheFiles.blob(jvms.root(), sha);
        assertThat(Files.exists(blob)).as("blob published before the crash").isEqualTo(crash.published);
        if (Files.exists(blob)) {
            assertThat(Files.readAllBytes(blob)).isEqualTo(body);
            assertThat(FileTree.mode(blob)).isEqualTo(0444);
        }

        // The next process also collects garbage: a crash between the move and the key record leaves
        // the dead writer's sidecar, which a hit does not touch (hits take no lock and write nothing).
        Jvm next = jvms.start(CacheWorker.on(jvms.root(), artifact, log, "--sha=" + sha.hex(), "--gc"));
        assertThat(next.awaitExit(PATIENCE)).as(next::report).isEqualTo(CacheWorker.OK);
        assertThat(Files.readAllBytes(blob)).isEqualTo(body);
        List<Open> opens = SlowFileOrigin.opens(log);
        if (crash.published) {
            assertThat(next.lines()).as(next::report).anyMatch(l -> l.startsWith("RESULT HIT "));
            assertThat(opens).as("no second download").hasSize(1);
        } else {
            // The part was complete and verified: the next holder adopts it and needs no more bytes.
            assertThat(next.lines()).as(next::report).anyMatch(l -> l.startsWith("RESULT RESUMED "));
            assertThat(opens).extracting(Open::offset).containsExactly(0L, (long) SIZE);
        }
    }

    private static String etagOf(Path file) throws Exception {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return "\"" + Long.toHexString(a.size()) + "-"
                + Long.toHexString(a.lastModifiedTime().toMillis()) + "\"";
    }
}
