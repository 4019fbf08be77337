package io.cachet.internal;

import io.cachet.GcResult;
import io.cachet.spi.Text;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The automatic size cap (docs/architecture.md, "Eviction"): commits make the cache trim itself to
 * its maximum size, in the background, never on a fetch's path.
 *
 * <pre>
 * IDLE ── commit ─▶ SCHEDULED ── {@link #DELAY} later ─▶ RUNNING ── done ─▶ IDLE
 *                                   commits meanwhile ─▶ RUNNING_AGAIN ── done ─▶ SCHEDULED
 * </pre>
 *
 * <p>So one run at a time, at most one more queued, however many commits: a batch of thousands of
 * small artifacts costs a run a second, not one per commit. {@link #close} runs what is still due
 * and waits for it, so that a short process (one CLI fetch) leaves its cache within the cap.
 */
final class AutoEviction {
    static final Duration DELAY = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);
    private static final Logger log = LoggerFactory.getLogger(AutoEviction.class);

    private static final int IDLE = 0;
    private static final int SCHEDULED = 1;
    private static final int RUNNING = 2;
    private static final int RUNNING_AGAIN = 3;
    private static final int CLOSED = 4;

    private final long maxBytes;
    private final Supplier<Mono<GcResult>> trim;
    private final Scheduler timer;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private volatile @Nullable Disposable scheduled;
    private volatile CountDownLatch running = new CountDownLatch(0);

    AutoEviction(long maxBytes, Supplier<Mono<GcResult>> trim, Scheduler timer) {
        this.maxBytes = maxBytes;
        this.trim = trim;
        this.timer = timer;
    }

    /** A commit happened: a run is due. */
    void committed() {
        while (true) {
            int s = state.get();
            if (s == IDLE && state.compareAndSet(IDLE, SCHEDULED)) {
                schedule();
                return;
            }
            if (s == RUNNING && state.compareAndSet(RUNNING, RUNNING_AGAIN)) {
                return;
            }
            if (s == SCHEDULED || s == RUNNING_AGAIN || s == CLOSED) {
                return;
            }
        }
    }

    private void schedule() {
        scheduled = timer.schedule(this::run, DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        CountDownLatch done = new CountDownLatch(1);
        running = done;
        if (!state.compareAndSet(SCHEDULED, RUNNING)) {
            done.countDown(); // Closed meanwhile: close runs it.
            return;
        }
        trim.get().subscribe(AutoEviction::report, e -> finished(done, e), () -> finished(done, null));
    }

    private void finished(CountDownLatch done, @Nullable Throwable error) {
        if (error != null) {
            log.warn("Automatic eviction failed; it runs again after the next commit", error);
        }
        done.countDown();
        if (state.compareAndSet(RUNNING, IDLE)) {
            return;
        }
        if (state.compareAndSet(RUNNING_AGAIN, SCHEDULED)) {
            schedule();
        }
    }

    private static void report(GcResult result) {
        if (result.blobsRemoved() > 0 || result.partsRemoved() > 0 || result.quarantineRemoved() > 0) {
            log.info(
                    "Automatic eviction freed {} ({} artifacts); {} remain, {} in use kept",
                    Text.bytes(result.bytesFreed()),
                    result.blobsRemoved(),
                    Text.bytes(result.bytesRemaining()),
                    result.busySkipped());
        }
    }

    /**
     * Stops scheduling; runs what is due (a commit not yet trimmed for) and waits for it, up to a
     * minute. Not on a non-blocking thread, where waiting is not allowed: there, what is due is left.
     */
    void close() {
        int was = state.getAndSet(CLOSED);
        Disposable timerTask = scheduled;
        if (timerTask != null) {
            timerTask.dispose();
        }
        if (Schedulers.isInNonBlockingThread() || was == IDLE || was == CLOSED) {
            return;
        }
        try {
            if (was == RUNNING || was == RUNNING_AGAIN) {
                if (!running.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("Automatic eviction still runs after {}; closing anyway", Text.duration(CLOSE_WAIT));
                    return;
                }
            }
            if (was != RUNNING) {
                GcResult last = trim.get().block(CLOSE_WAIT);
                if (last != null) {
                    report(last);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Automatic eviction on close failed; the cache may hold more than {}", Text.bytes(maxBytes), e);
        }
    }
}
