package io.cachet.internal.lock;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class LocalMutexTest {

    @Test
    void waitersAreServedInArrivalOrder() {
        LocalMutex mutex = new LocalMutex();
        List<Integer> order = new ArrayList<>();
        LocalMutex.Permit first = mutex.acquire().block();
        assertThat(first.claim()).isTrue();
        for (int i = 1; i <= 3; i++) {
            int n = i;
            mutex.acquire().subscribe(p -> {
                p.claim();
                order.add(n);
                p.release();
            });
        }

        first.release();

        assertThat(order).containsExactly(1, 2, 3);
        assertThat(mutex.isHeld()).isFalse();
    }

    @Test
    void exactlyTheCallersThatQueueAreToldSo() {
        LocalMutex mutex = new LocalMutex();
        AtomicInteger queued = new AtomicInteger();
        LocalMutex.Permit first = mutex.acquire(queued::incrementAndGet).block();
        first.claim();
        assertThat(queued.get()).as("a free mutex is granted without queueing").isZero();

        List<LocalMutex.Permit> later = new ArrayList<>();
        mutex.acquire(queued::incrementAndGet).subscribe(later::add);
        mutex.acquire(queued::incrementAndGet).subscribe(later::add);

        assertThat(queued.get()).isEqualTo(2);
        assertThat(later).isEmpty();
        first.release();
        assertThat(later).hasSize(1);
    }

    @Test
    void aPermitIsReleasedOnceHoweverOftenReleaseIsCalled() {
        LocalMutex mutex = new LocalMutex();
        LocalMutex.Permit permit = mutex.acquire().block();
        permit.claim();
        AtomicInteger granted = new AtomicInteger();
        mutex.acquire().subscribe(p -> granted.incrementAndGet());
        mutex.acquire().subscribe(p -> granted.incrementAndGet());

        permit.release();
        permit.release();

        assertThat(granted.get()).isEqualTo(1);
    }

    /**
     * A grant racing with the waiter's cancellation never loses the mutex. The waiter claims the
     * permit on receipt and releases it when cancelled, and also when the claim lands after its
     * cancellation: a cancel racing a grant may reach neither the mutex nor an operator's inner
     * subscription (reactor's MonoCreate and MonoFlatMap drop it once the value is on its way), so
     * the waiter itself must check.
     */
    @RepeatedTest(500)
    void aGrantRacingACancellationNeverLeavesTheMutexHeldByNobody() throws Exception {
        LocalMutex mutex = new LocalMutex();
        LocalMutex.Permit holder = mutex.acquire().block();
        holder.claim();
        Claimer quitter = mutex.acquire().subscribeWith(new Claimer());
        ExecutorService two = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try {
            var releasing = two.submit(() -> {
                go.await();
                holder.release();
                return null;
            });
            var cancelling = two.submit(() -> {
                go.await();
                quitter.quit();
                return null;
            });
            go.countDown();
            releasing.get(30, TimeUnit.SECONDS);
            cancelling.get(30, TimeUnit.SECONDS);
        } finally {
            two.shutdownNow();
        }

        assertThat(mutex.isHeld()).as("held by nobody after the race").isFalse();
        LocalMutex.Permit next = mutex.acquire().block(java.time.Duration.ofSeconds(30));
        assertThat(next).as("the mutex is free again").isNotNull();
    }

    /** Holds a permit until it quits; releases it whichever of claim and quit comes last. */
    private static final class Claimer extends reactor.core.publisher.BaseSubscriber<LocalMutex.Permit> {
        private volatile LocalMutex.Permit held;
        private volatile boolean quit;

        @Override
        protected void hookOnNext(LocalMutex.Permit permit) {
            if (permit.claim()) {
                held = permit;
                if (quit) {
                    permit.release();
                }
            }
        }

        void quit() {
            quit = true;
            dispose(); // Before the grant: leaves the queue (or hands on a granted, unclaimed permit).
            LocalMutex.Permit permit = held;
            if (permit != null) {
                permit.release();
            }
        }
    }
}
