package io.cachet.testing;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A virtual-time timer for engine tests whose other steps run on real I/O threads: it records
 * every delay the engine asks for, so a test can wait until the engine has actually scheduled a
 * delay before advancing time past it. That makes backoff assertions exact without racing the
 * I/O threads, and without any real waiting for the delays themselves.
 */
public final class TestTimer implements Scheduler {
    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final LinkedBlockingQueue<Duration> delays = new LinkedBlockingQueue<>();

    @Override
    public Disposable schedule(Runnable task) {
        return clock.schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        Disposable scheduled = clock.schedule(task, delay, unit);
        delays.add(Duration.ofNanos(unit.toNanos(delay)));
        return scheduled;
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return clock.schedulePeriodically(task, initialDelay, period, unit);
    }

    @Override
    public long now(TimeUnit unit) {
        return clock.now(unit);
    }

    @Override
    public Worker createWorker() {
        return clock.createWorker();
    }

    @Override
    public void dispose() {
        clock.dispose();
    }

    /**
     * Waits (for real, at most 10 s) until the engine schedules a delay of exactly {@code delay},
     * skipping other delays (such as response timeouts).
     */
    public void awaitDelay(Duration delay) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                Duration next = delays.poll(100, TimeUnit.MILLISECONDS);
                if (delay.equals(next)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the engine did not schedule a delay of " + delay);
    }

    /** Moves virtual time forward, running what falls due. */
    public void advance(Duration by) {
        clock.advanceTimeBy(by);
    }
}
