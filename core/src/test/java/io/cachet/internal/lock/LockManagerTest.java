package io.cachet.internal.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.StorageException;
import io.cachet.internal.retry.Backoff;
import io.cachet.testing.Await;
import io.cachet.testing.FaultyDisk;
import io.cachet.testing.FaultyDisk.Op;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/architecture.md, "Across processes": polled with backoff on a timer, never blocking, never stealing. */
@Timeout(120)
class LockManagerTest {
    private static final String ID = "a".repeat(64);
    private static final Backoff POLLING = new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 2.0, 0.25);

    @TempDir
    Path dir;

    private Path locks;
    private ExecutorService files;
    private Scheduler io;
    private final List<String> busy = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        locks = Files.createDirectory(dir.resolve("locks")).toRealPath();
        files = Executors.newFixedThreadPool(2);
        // Lock attempts run on the caller's thread here, so virtual time sees every step in order.
        io = Schedulers.immediate();
    }

    @AfterEach
    void tearDown() {
        files.shutdownNow();
        assertThat(LockManager.inUse(locks)).as("JVM lock table entries left").isZero();
    }

    private LockManager manager(FaultyDisk disk, VirtualTimeScheduler clock, double random) {
        return new LockManager(locks, disk, 0644, files, io, clock, POLLING, () -> random);
    }

    @Test
    void aBusyLockIsPolledWithExponentialBackoffCappedAtTheMaximumThenAcquired() {
        FaultyDisk disk = new FaultyDisk().busyLocks(4);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        LockManager manager = manager(disk, clock, 0.5); // 0.5 = no jitter

        StepVerifier.withVirtualTime(
                        () -> manager.acquire(ID, null, (other, waited) -> busy.add(other + "@" + waited.toMillis())),
                        () -> clock,
                        1)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100 + 200 + 400 + 399))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(lease -> {
                    assertThat(lease.waited()).isTrue();
                    lease.release().block(Duration.ofSeconds(30));
                })
                .verifyComplete();

        assertThat(disk.ops()).filteredOn(op -> op == Op.TRY_LOCK).hasSize(5);
        assertThat(busy).containsExactly("true@0", "true@100", "true@300", "true@700");
    }

    @Test
    void jitterSpreadsEachDelayWithinItsBounds() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
        assertThat(backoff.delay(3, () -> 0.0)).isEqualTo(Duration.ofMillis(600));
        assertThat(backoff.delay(3, () -> 0.5)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.delay(3, () -> 0.999999)).isBetween(Duration.ofMillis(999), Duration.ofMillis(1000));
        assertThat(backoff.delay(40, () -> 0.999999)).as("never past the cap").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aWaitPastItsDeadlineFailsAtTheDeadlineAndNeverTouchesTheLockFile() throws Exception {
        FaultyDisk disk = new FaultyDisk().busyLocks(Integer.MAX_VALUE);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        LockManager manager = manager(disk, clock, 0.5);
        Path lockFile = locks.resolve(ID + ".lock");

        StepVerifier.withVirtualTime(
                        () -> manager.acquire(ID, Duration.ofMillis(1000), (other, waited) -> {}), () -> clock, 1)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(LockManager.TimedOut.class);
                    assertThat(((LockManager.TimedOut) e).waited()).isEqualTo(Duration.ofMillis(1000));
                })
                .verify(Duration.ofSeconds(30));

        assertThat(lockFile).exists().isEmptyFile();
        assertThat(disk.ops()).doesNotContain(Op.UNLOCK);
    }

    @Test
    void callersInOneJvmQueueFirstComeFirstServedAndOpenTheLockFileOneAtATime() {
        FaultyDisk disk = new FaultyDisk();
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        LockManager manager = manager(disk, clock, 0.5);
        List<String> order = new ArrayList<>();

        LockManager.Lease first = manager.acquire(ID, null, (o, w) -> {}).block(Duration.ofSeconds(30));
        long opensByTheHolder =
                disk.ops().stream().filter(op -> op == Op.OPEN_LOCK).count();
        var second = manager.acquire(
                        ID, null, (other, waited) -> order.add("second waits behind a holder in this JVM: " + !other))
                .doOnNext(l -> order.add("second"))
                .toFuture();
        var third = manager.acquire(ID, null, (o, w) -> {})
                .doOnNext(l -> order.add("third"))
                .toFuture();

        assertThat(second).isNotDone();
        assertThat(disk.ops())
                .as("queued callers do not open the lock file")
                .filteredOn(op -> op == Op.OPEN_LOCK)
                .hasSize((int) opensByTheHolder);
        first.release().block(Duration.ofSeconds(30));
        second.join().release().block(Duration.ofSeconds(30));
        third.join().release().block(Duration.ofSeconds(30));

        assertThat(order).containsExactly("second waits behind a holder in this JVM: true", "second", "third");
        assertThat(second.join().waited()).isTrue();
    }

    @Test
    void aWaiterThatCancelsLeavesTheQueueAndTheNextOneGetsTheLock() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        LockManager manager = manager(new FaultyDisk(), clock, 0.5);
        LockManager.Lease first = manager.acquire(ID, null, (o, w) -> {}).block(Duration.ofSeconds(30));
        var quitter = manager.acquire(ID, null, (o, w) -> {}).subscribe();
        var next = manager.acquire(ID, null, (o, w) -> {}).toFuture();

        quitter.dispose();
        first.release().block(Duration.ofSeconds(30));

        next.join().release().block(Duration.ofSeconds(30));
        assertThat(manager.heldCount()).isZero();
    }

    @Test
    void aSymlinkAtTheLockPathIsRefusedWithAClearErrorAndNeverFollowed() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Files.createSymbolicLink(locks.resolve(ID + ".lock"), victim);
        LockManager manager = manager(new FaultyDisk(), VirtualTimeScheduler.create(), 0.5);

        StepVerifier.create(manager.acquire(ID, null, (o, w) -> {}))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StorageException.class)
                        .hasMessageContaining("symbolic link")
                        .hasMessageContaining(ID + ".lock"))
                .verify(Duration.ofSeconds(30));

        assertThat(victim).hasContent("precious");
    }

    @Test
    void releasingNeverDeletesTheLockFile() throws Exception {
        LockManager manager = manager(new FaultyDisk(), VirtualTimeScheduler.create(), 0.5);
        manager.acquire(ID, null, (o, w) -> {})
                .block(Duration.ofSeconds(30))
                .release()
                .block(Duration.ofSeconds(30));
        Object inode = Files.getAttribute(locks.resolve(ID + ".lock"), "unix:ino");

        manager.acquire(ID, null, (o, w) -> {})
                .block(Duration.ofSeconds(30))
                .release()
                .block(Duration.ofSeconds(30));

        assertThat(Files.getAttribute(locks.resolve(ID + ".lock"), "unix:ino")).isEqualTo(inode);
    }

    // ---- shared ----------------------------------------------------------------------------------

    @Test
    void sharedHoldersInOneJvmShareOneChannelAndExcludeAnExclusiveCallerUntilTheLastLetsGo() {
        FaultyDisk disk = new FaultyDisk();
        LockManager manager = manager(disk, VirtualTimeScheduler.create(), 0.5);

        LockManager.Lease first = manager.acquireShared(ID).block(Duration.ofSeconds(30));
        long opensByTheFirst =
                disk.ops().stream().filter(op -> op == Op.OPEN_LOCK).count();
        LockManager.Lease second = manager.acquireShared(ID).block(Duration.ofSeconds(30));

        assertThat(disk.ops())
                .as("one channel and one OS lock for every shared holder of this JVM")
                .filteredOn(op -> op == Op.OPEN_LOCK)
                .hasSize((int) opensByTheFirst);
        assertThat(manager.heldCount()).isEqualTo(2);
        StepVerifier.create(manager.acquire(ID, Duration.ZERO, (o, w) -> {}))
                .expectError(LockManager.TimedOut.class)
                .verify(Duration.ofSeconds(30));

        first.releaseNow();
        StepVerifier.create(manager.acquire(ID, Duration.ZERO, (o, w) -> {}))
                .as("one shared holder is left")
                .expectError(LockManager.TimedOut.class)
                .verify(Duration.ofSeconds(30));

        second.releaseNow();
        manager.acquire(ID, Duration.ZERO, (o, w) -> {})
                .block(Duration.ofSeconds(30))
                .releaseNow();
        assertThat(manager.heldCount()).isZero();
    }

    @Test
    void anExclusiveCallerInThisJvmWaitsForTheSharedHoldersThenGetsTheLock() {
        LockManager manager = manager(new FaultyDisk(), VirtualTimeScheduler.create(), 0.5);
        LockManager.Lease shared = manager.acquireShared(ID).block(Duration.ofSeconds(30));

        var exclusive = manager.acquire(ID, null, (o, w) -> {}).toFuture();
        assertThat(exclusive).isNotDone();

        shared.releaseNow();
        exclusive.join().releaseNow();
        assertThat(manager.heldCount()).isZero();
    }

    @Test
    void sharedCallersWaitForAnExclusiveHolderThenShareOneChannel() {
        FaultyDisk disk = new FaultyDisk();
        LockManager manager = manager(disk, VirtualTimeScheduler.create(), 0.5);
        LockManager.Lease exclusive = manager.acquire(ID, null, (o, w) -> {}).block(Duration.ofSeconds(30));
        long opensByTheHolder =
                disk.ops().stream().filter(op -> op == Op.OPEN_LOCK).count();

        var first = manager.acquireShared(ID).toFuture();
        var second = manager.acquireShared(ID).toFuture();
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        exclusive.releaseNow();
        first.join().releaseNow();
        second.join().releaseNow();
        assertThat(disk.ops()).filteredOn(op -> op == Op.OPEN_LOCK).hasSize((int) opensByTheHolder + 1);
        assertThat(manager.heldCount()).isZero();
    }

    @Test
    void aSharedCallerThatCancelsBeforeItsGrantLeavesNothingHeld() {
        LockManager manager = manager(new FaultyDisk(), VirtualTimeScheduler.create(), 0.5);
        LockManager.Lease exclusive = manager.acquire(ID, null, (o, w) -> {}).block(Duration.ofSeconds(30));
        var quitter = manager.acquireShared(ID).subscribe();

        quitter.dispose();
        exclusive.releaseNow();

        Await.until("the abandoned shared hold let go of the lock", () -> LockManager.inUse(locks) == 0);
        assertThat(manager.heldCount()).isZero();
        manager.acquire(ID, Duration.ZERO, (o, w) -> {})
                .block(Duration.ofSeconds(30))
                .releaseNow();
    }
}
