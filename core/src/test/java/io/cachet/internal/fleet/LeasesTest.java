package io.cachet.internal.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.testing.MemoryCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * docs/architecture.md, "Fleet": the cluster lease in virtual time. The holder renews every third
 * of the time to live carrying its progress; a renewal that cannot tell is not a loss; waiters poll
 * with backoff, wake at once on a release notice, report the holder, and go on without the cluster
 * when it fails.
 */
@Timeout(60)
class LeasesTest {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Key KEY = Key.of("model");

    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final MemoryCluster cluster = new MemoryCluster(clock);
    private final Leases leases = new Leases(cluster, TTL, Duration.ofSeconds(1), clock, () -> 0.5);
    private final List<CacheEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopTheClock() {
        clock.dispose();
    }

    private Held take(String name) {
        Held held = leases.acquire(name, new WaitReport(KEY, events::add)).block(Duration.ofSeconds(5));
        assertThat(held).as("the lease %s was granted", name).isNotNull();
        return held;
    }

    /** Subscribes to a wait for {@code name}; the reference is set once the lease is granted. */
    private AtomicReference<Held> waitFor(String name, AtomicReference<Boolean> gaveUp) {
        AtomicReference<Held> granted = new AtomicReference<>();
        leases.acquire(name, new WaitReport(KEY, events::add))
                .subscribe(
                        granted::set, e -> gaveUp.set(true), () -> gaveUp.compareAndSet(null, granted.get() == null));
        return granted;
    }

    // ---- the holder ----

    @Test
    void theHolderRenewsEveryThirdOfTheTtlCarryingItsProgress() {
        Held held = take("sha256:a");
        AtomicLong bytes = new AtomicLong(10);
        Disposable renewing = held.renewing(bytes::get, () -> 100);

        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(cluster.renewals()).isEqualTo(1);
        assertThat(cluster.holder("sha256:a").bytes()).isEqualTo(10);
        assertThat(cluster.holder("sha256:a").total()).isEqualTo(100);

        bytes.set(60);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(cluster.holder("sha256:a").bytes()).isEqualTo(60);

        clock.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(cluster.holder("sha256:a"))
                .as("a live holder keeps its lease")
                .isNotNull();
        assertThat(cluster.renewals()).isEqualTo(32);
        renewing.dispose();
        assertThat(held.lost()).isFalse();
    }

    @Test
    void aRenewalThatCannotTellIsNotALossAndTheNextOneKeepsTheLease() {
        Held held = take("sha256:a");
        Disposable renewing = held.renewing(() -> 1, () -> 2);

        cluster.failRenewals(true);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        cluster.failRenewals(false);
        clock.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(held.lost()).isFalse();
        assertThat(cluster.renewals()).isEqualTo(2);
        clock.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(cluster.holder("sha256:a")).as("renewed after the failure").isNotNull();
        renewing.dispose();
    }

    @Test
    void aRenewalAnsweringNoMarksTheLeaseLostAndRenewingStops() {
        Held held = take("sha256:a");
        Disposable renewing = held.renewing(() -> 1, () -> 2);

        cluster.forgetAll(); // A Redis restart.
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(held.lost()).isTrue();
        clock.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(cluster.renewals()).isEqualTo(1);
        renewing.dispose();
    }

    @Test
    void releasingTwiceReleasesOnceAndNeverAnotherOwnersLease() {
        Held first = take("sha256:a");
        first.release().block();
        Held second = take("sha256:a");

        first.release().block();

        assertThat(cluster.holder("sha256:a")).as("the second owner's lease").isNotNull();
        second.release().block();
        assertThat(cluster.held()).isEmpty();
    }

    // ---- waiters ----

    @Test
    void aWaiterReportsTheHolderAndTakesTheLeaseOnceItExpires() {
        take("sha256:a"); // Never renewed: its holder died.
        AtomicReference<Boolean> gaveUp = new AtomicReference<>();
        AtomicReference<Held> granted = waitFor("sha256:a", gaveUp);

        clock.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(granted.get()).as("the lease is alive for 3 s").isNull();
        clock.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(granted.get()).isNotNull();
        assertThat(granted.get().waited()).isTrue();
        assertThat(events).first().isInstanceOfSatisfying(CacheEvent.Waiting.class, w -> {
            assertThat(w.holderPid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(w.holderHost()).isNotBlank();
        });
    }

    @Test
    void aWaiterShowsTheHoldersProgressAsItRenews() {
        Held holder = take("sha256:a");
        AtomicLong bytes = new AtomicLong(0);
        Disposable renewing = holder.renewing(bytes::get, () -> 100);
        waitFor("sha256:a", new AtomicReference<>());

        for (int i = 1; i <= 3; i++) {
            bytes.set(i * 25);
            clock.advanceTimeBy(Duration.ofSeconds(1));
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }

        assertThat(events.stream()
                        .filter(e -> e instanceof CacheEvent.Progress p && p.remote())
                        .map(e -> ((CacheEvent.Progress) e).bytes()))
                .containsExactly(25L, 50L, 75L);
        renewing.dispose();
    }

    @Test
    void aReleaseNoticeEndsTheWaitAtOnceAndPollingCoversALostNotice() {
        Held first = take("sha256:a");
        AtomicReference<Held> notified = waitFor("sha256:a", new AtomicReference<>());
        clock.advanceTimeBy(Duration.ofSeconds(2)); // The polls are a second apart by now.

        first.release().block();
        assertThat(notified.get()).as("woken by the notice, no time passed").isNotNull();

        cluster.silent(true);
        AtomicReference<Held> polled = waitFor("sha256:a", new AtomicReference<>());
        clock.advanceTimeBy(Duration.ofSeconds(2));
        notified.get().release().block();
        assertThat(polled.get()).as("no notice: the next poll").isNull();
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(polled.get()).isNotNull();
    }

    @Test
    void aClusterFailingWhileAHostWaitsEndsTheWaitWithoutALease() {
        take("sha256:a");
        AtomicReference<Boolean> gaveUp = new AtomicReference<>();
        AtomicReference<Held> granted = waitFor("sha256:a", gaveUp);
        clock.advanceTimeBy(Duration.ofMillis(500));

        cluster.down(true);
        clock.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(granted.get()).isNull();
        assertThat(gaveUp.get()).as("completed empty, not failed").isTrue();
        assertThat(leases.usable()).as("left alone for a while").isFalse();
        clock.advanceTimeBy(Health.COOL_DOWN);
        assertThat(leases.usable()).isTrue();
    }
}
