package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.FaultyDisk;
import io.cachet.testing.FileTree;
import io.cachet.testing.Jvm;
import io.cachet.testing.LockProbe;
import io.cachet.testing.SlowFileOrigin;
import io.cachet.testing.TestTimer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, behaviour 2 (docs/architecture.md, "Across processes"; docs/reliability.md I2, I4, P9, P13): the lock is an OS
 * lock taken with {@code tryLock}, polled on a timer with capped, jittered backoff; the store is
 * checked again once it is acquired; the lock file is never deleted; and nothing else in the
 * holder's JVM opens it, so reading who holds a lock never drops it.
 */
@Timeout(120)
class LockProtocolIT {
    private static final int SIZE = 512 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final long HELD_AT = 4L * CHUNK;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String KEY = "dataset-shard-0";

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(SIZE, 5);
    private final Sha256 sha = Bytes.sha256(body);
    private Path artifact;
    private Path log;

    @BeforeEach
    void writeTheArtifact() throws IOException {
        artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        log = jvms.dir().resolve("origin.log");
    }

    // ---- polling --------------------------------------------------------------------------------

    @Test
    void aWaiterPollsOnACappedJitteredScheduleThenReChecksTheStoreAndReportsWaitedNotADownload() throws Exception {
        Jvm holder = holderPausedMidBody();
        Path lock = CacheFiles.lockFile(jvms.root(), KEY);
        Object inode = FileTree.inode(lock);

        // This JVM waits in virtual time, with jitter drawn alternately at both ends of its range.
        TestTimer timer = new TestTimer();
        FaultyDisk disk = new FaultyDisk();
        AtomicInteger draws = new AtomicInteger();
        DoubleSupplier random = () -> draws.getAndIncrement() % 2 == 0 ? 0.0 : 0.875;
        Cache.Builder builder = Cache.builder()
                .root(jvms.root())
                .origin(new SlowFileOrigin(log, CHUNK, Duration.ZERO, List.of(), at -> {}))
                .timer(timer);
        try (Engine waiter = Engine.start(TestAccess.settings(builder), disk, random);
                EventRecorder events = EventRecorder.record(waiter)) {
            CompletableFuture<Artifact> result = waiter.fetch(
                            FetchRequest.of(artifact.toUri()).withKey(KEY).withSha256(sha))
                    .toFuture();

            // 20 ms doubling to a 500 ms cap, spread by -25% or +18.75%, and capped again after jitter.
            List<Duration> ramp = List.of(
                    Duration.ofMillis(15),
                    Duration.ofNanos(47_500_000),
                    Duration.ofMillis(60),
                    Duration.ofMillis(190),
                    Duration.ofMillis(240),
                    Duration.ofMillis(500),
                    Duration.ofMillis(375),
                    Duration.ofMillis(500));
            int n = 0;
            for (; n < ramp.size(); n++) {
                timer.awaitDelay(ramp.get(n));
                assertThat(tryLocks(disk))
                        .as("attempts before delay %d (%s)", n, ramp.get(n))
                        .isEqualTo(n + 1);
                timer.advance(ramp.get(n));
            }
            // A virtual minute more at the cap: at most one attempt per 375 ms, and never a pause of
            // more than 500 ms (no storm, and no long sleep after the holder is done).
            int rampAttempts = tryLocks(disk);
            long waited = 0;
            for (; waited < 60_000; n++) {
                timer.awaitDelay(atTheCap(n));
                timer.advance(atTheCap(n));
                waited += atTheCap(n).toMillis();
            }
            assertThat(tryLocks(disk) - rampAttempts)
                    .as("attempts in a virtual minute")
                    .isLessThanOrEqualTo(60_000 / 375 + 1);
            assertThat(events.of(CacheEvent.Waiting.class))
                    .extracting(CacheEvent.Waiting::holderPid)
                    .containsExactly(holder.pid());

            holder.tell("GO");
            assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
            timer.awaitDelay(atTheCap(n));
            timer.advance(atTheCap(n));

            Artifact artifactSeen = result.get(30, TimeUnit.SECONDS);
            assertThat(artifactSeen.source())
                    .as("re-checked the store after acquiring")
                    .isEqualTo(Artifact.Source.WAITED);
            assertThat(disk.ops()).as("this JVM downloaded nothing").doesNotContain(FaultyDisk.Op.CREATE_PART);
            assertThat(events.types()).endsWith(CacheEvent.Type.HIT);
        }
        assertThat(SlowFileOrigin.opens(log)).hasSize(1);
        assertThat(FileTree.inode(lock))
                .as("the lock file was never deleted or replaced")
                .isEqualTo(inode);
    }

    // ---- only the lock manager opens lock files ---------------------------------------------------

    @Test
    void readingWhoHoldsTheLockInTheHoldersOwnJvmDoesNotDropTheLock() throws Exception {
        Jvm holder = holderPausedMidBody();
        CacheFiles.awaitPart(jvms.root(), HELD_AT, PATIENCE);
        Path lock = CacheFiles.lockFile(jvms.root(), KEY);
        assertThat(LockProbe.ask(jvms, lock)).as("held before").isEqualTo("BUSY");

        holder.tell("DIAGNOSE");
        holder.awaitLine("DIAGNOSED holder=" + holder.pid() + " bytes=" + HELD_AT, PATIENCE);

        assertThat(LockProbe.ask(jvms, lock))
                .as("still held after the holder read who holds it")
                .isEqualTo("BUSY");
        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
    }

    /**
     * Why only the lock manager may open a lock file (docs/reliability.md I4): a POSIX lock belongs to
     * the process, and closing <em>any</em> descriptor of the file releases it. This is the failure
     * the test above guards against, made on purpose, so the probe is known to see it.
     */
    @Test
    void aStrayReadOfTheLockFileInTheHoldersJvmWouldSilentlyReleaseTheLock() throws Exception {
        Jvm holder = holderPausedMidBody();
        Path lock = CacheFiles.lockFile(jvms.root(), KEY);
        assertThat(LockProbe.ask(jvms, lock)).isEqualTo("BUSY");

        holder.tell("STRAY-READ");
        holder.awaitLine("STRAY-READ done", PATIENCE);

        assertThat(LockProbe.ask(jvms, lock))
                .as("the holder still thinks it holds the lock, but the OS let it go")
                .isEqualTo("FREE");
        holder.tell("GO");
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
    }

    /** The n-th delay once capped: draws alternate between 0 (-25%) and 0.875 (capped). */
    private static Duration atTheCap(int n) {
        return Duration.ofMillis(n % 2 == 0 ? 375 : 500);
    }

    private static int tryLocks(FaultyDisk disk) {
        return (int)
                disk.ops().stream().filter(op -> op == FaultyDisk.Op.TRY_LOCK).count();
    }

    /** A child holding the key's lock, its download stopped by its origin until told GO. */
    private Jvm holderPausedMidBody() throws IOException {
        Jvm holder = jvms.start(CacheWorker.on(
                jvms.root(),
                artifact,
                log,
                "--key=" + KEY,
                "--sha=" + sha.hex(),
                "--chunk=" + CHUNK,
                "--pause-at=" + HELD_AT));
        holder.awaitLine("PAUSED offset=" + HELD_AT, PATIENCE);
        return holder;
    }
}
