package io.cachet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The cache's own I/O threads take work from threads that must not block. A pool that started a
 * thread on hand-over would take its lock there, and park on a parallel thread or an event loop
 * whenever another hand-over held it (BlockHound caught exactly that, mid-download).
 */
@Timeout(60)
class IoThreadsTest {
    @Test
    void handingWorkOverFromThreadsThatMustNotBlockNeverStartsAThread() throws Exception {
        IoThreads io = IoThreads.owned();
        try {
            ThreadPoolExecutor pool = (ThreadPoolExecutor) io.executor;
            int threads = pool.getCorePoolSize();
            assertThat(pool.getPoolSize()).as("started before any work").isEqualTo(threads);
            CountDownLatch done = new CountDownLatch(4 * threads);

            Flux.range(0, 4 * threads)
                    .parallel(2)
                    .runOn(Schedulers.parallel())
                    .doOnNext(i -> io.executor.execute(done::countDown))
                    .sequential()
                    .blockLast(Duration.ofSeconds(30));

            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(pool.getLargestPoolSize()).as("threads ever started").isEqualTo(threads);
            assertThat(pool.allowsCoreThreadTimeOut())
                    .as("idle threads are kept")
                    .isFalse();
        } finally {
            io.shutdown();
        }
    }

    @Test
    void workHandedOverAfterCloseIsRefusedAtOnceWithAReason() {
        IoThreads io = IoThreads.owned();
        io.shutdown();

        Mono<Void> late = Mono.fromRunnable(() -> io.executor.execute(() -> {}))
                .subscribeOn(Schedulers.parallel())
                .then();

        assertThatThrownBy(() -> late.block(Duration.ofSeconds(30)))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("the cache is closed");
    }
}
