package io.cachet.internal;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads that do a cache's blocking file-system work. {@code AsynchronousFileChannel} needs
 * an {@link ExecutorService} and reactor a {@link Scheduler}; both views are of the same threads.
 * Either the cache owns them (a fixed pool of daemon threads named {@code cachet-io-N}, started
 * with it and stopped on close) or the caller supplied a scheduler, which is then wrapped and never
 * disposed here.
 */
final class IoThreads {
    static final String THREAD_PREFIX = "cachet-io-";
    private static final AtomicInteger POOLS = new AtomicInteger();

    final Scheduler scheduler;
    final ExecutorService executor;
    private final boolean owned;
    private final List<Thread> threads;

    private IoThreads(Scheduler scheduler, ExecutorService executor, boolean owned, List<Thread> threads) {
        this.scheduler = scheduler;
        this.executor = executor;
        this.owned = owned;
        this.threads = threads;
    }

    static IoThreads owned() {
        // Mostly blocked in fsync, rename and open rather than running: many in flight let the file
        // system batch their journal commits, which is what makes many small commits cheap.
        int threads = Math.max(32, 8 * Runtime.getRuntime().availableProcessors());
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        List<Thread> started = new CopyOnWriteArrayList<>();
        ThreadFactory factory = runnable -> {
            Thread t = new Thread(runnable, THREAD_PREFIX + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            started.removeIf(old -> !old.isAlive());
            started.add(t);
            return t;
        };
        // Work is handed over from event loops and reactor's parallel threads (a body's bytes, to be
        // written and hashed), which must never park, even when many hand over at once, as parallel
        // ranges do. So the queue is lock-free, and every thread is started here and kept until the
        // cache closes: a pool that started or re-started a thread on hand-over would take its lock
        // there, and park when another thread held it.
        ThreadPoolExecutor executor = new FixedPool(threads, factory);
        executor.prestartAllCoreThreads();
        return new IoThreads(Schedulers.fromExecutorService(executor, "cachet-io"), executor, true, started);
    }

    static IoThreads on(Scheduler scheduler) {
        return new IoThreads(scheduler, new SchedulerExecutor(scheduler), false, List.of());
    }

    /** Stops owned threads, letting queued work (cleanup of cancelled downloads) finish first. */
    void shutdown() {
        if (!owned) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(1)); // Terminated means done; joined means gone.
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        scheduler.dispose();
    }

    /**
     * Every thread started up front (see {@link #owned}), and work handed over once the cache closes
     * refused at once: a plain pool refuses it only after taking its lock to tidy up, which would
     * park the event loop that handed over a late cleanup while close() holds that lock.
     */
    private static final class FixedPool extends ThreadPoolExecutor {
        private volatile boolean closing;
        private final AtomicInteger handingOver = new AtomicInteger();

        FixedPool(int threads, ThreadFactory factory) {
            super(threads, threads, 0, TimeUnit.SECONDS, new LinkedTransferQueue<>(), factory);
        }

        @Override
        public void execute(Runnable task) {
            handingOver.incrementAndGet(); // Before the check: shutdown waits for it (see close()).
            try {
                if (closing) {
                    throw new RejectedExecutionException("the cache is closed: it does no more file-system work");
                }
                super.execute(task); // Running, every thread started: an offer to the queue.
            } finally {
                handingOver.decrementAndGet();
            }
        }

        @Override
        public void shutdown() {
            close();
            super.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            close();
            return super.shutdownNow();
        }

        /**
         * Refuses new work, then waits (on the closing thread, which may) for hand-overs that passed
         * the check before: one that met the pool shutting down would take its lock to tidy up.
         */
        private void close() {
            closing = true;
            while (handingOver.get() > 0) {
                Thread.onSpinWait(); // Each is an offer to a lock-free queue: brief.
            }
        }
    }

    /** A caller's scheduler seen as an executor; lifecycle calls are no-ops (the caller owns it). */
    private static final class SchedulerExecutor extends AbstractExecutorService {
        private final Scheduler scheduler;

        SchedulerExecutor(Scheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(Runnable command) {
            scheduler.schedule(command);
        }

        @Override
        public void shutdown() {}

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return scheduler.isDisposed();
        }

        @Override
        public boolean isTerminated() {
            return scheduler.isDisposed();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return scheduler.isDisposed();
        }
    }
}
