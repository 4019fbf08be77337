package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * Live progress on stderr while a command fetches, and a one-line summary at the end.
 *
 * <p>Threads: cache events arrive on the engine's threads (I/O, timers, Netty event loops), which
 * must never block, so they are only queued here. A daemon thread, {@code cachet-progress},
 * drains the queue into the {@link ProgressBoard} and repaints ten times a second. Results and
 * errors that the command prints go through {@link #print}, which lifts the bars, prints, and
 * puts them back, so the bars never tear a line of output on a shared terminal. When progress is
 * off (not a terminal, or {@code --quiet}), nothing is subscribed and {@link #print} just prints.
 */
final class Progress implements AutoCloseable {
    static final long TICK_MILLIS = 100;

    private final Io io;
    private final boolean enabled;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final ProgressBoard board;
    private final Painter painter;
    private final @Nullable Disposable subscription;
    private final @Nullable ScheduledExecutorService ticker;
    // Guarded by this: the board, the painter and the streams.
    private boolean closed;

    private Progress(Io io, @Nullable Cache cache, boolean enabled, int artifacts, boolean autoTick) {
        this.io = io;
        this.enabled = enabled;
        this.board = new ProgressBoard(artifacts, io.nanoTime().getAsLong());
        this.painter = new Painter(io.err());
        this.subscription = enabled && cache != null ? cache.events().subscribe(queue::offer) : null;
        if (enabled && autoTick) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cachet-progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    /** Progress for {@code artifacts} fetches from {@code cache}, drawn if {@code enabled}. */
    static Progress start(Io io, Cache cache, boolean enabled, int artifacts) {
        return new Progress(io, cache, enabled, artifacts, true);
    }

    /** Progress that draws only when {@link #tick} is called, for tests. */
    static Progress manual(Io io, boolean enabled, int artifacts) {
        return new Progress(io, null, enabled, artifacts, false);
    }

    /** Feeds an event directly (tests; the cache's events arrive by subscription). */
    void event(CacheEvent event) {
        queue.offer(event);
    }

    /** A fetch ended with {@code artifact}. */
    void finished(Artifact artifact) {
        queue.offer(artifact);
    }

    /** A fetch failed. */
    void failed() {
        queue.offer(Failure.INSTANCE);
    }

    /** Runs {@code printing} (which writes whole lines to stdout or stderr) with the bars lifted. */
    synchronized void print(Runnable printing) {
        if (!enabled || closed) {
            printing.run();
            return;
        }
        painter.clear();
        printing.run();
        io.out().flush();
        io.err().flush();
        paint();
    }

    /** Drains what happened and repaints. */
    synchronized void tick() {
        if (!enabled || closed) {
            return;
        }
        drain();
        paint();
    }

    /** Stops drawing, erases the bars and, if {@code summary}, prints the one-line summary. */
    synchronized void close(boolean summary) {
        if (closed) {
            return;
        }
        closed = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        if (subscription != null) {
            subscription.dispose();
        }
        if (!enabled) {
            return;
        }
        drain();
        painter.clear();
        if (summary) {
            io.err().println(board.summary(io.nanoTime().getAsLong()));
            io.err().flush();
        }
    }

    @Override
    public void close() {
        close(false);
    }

    private void drain() {
        long now = io.nanoTime().getAsLong();
        Object next;
        while ((next = queue.poll()) != null) {
            if (next instanceof CacheEvent e) {
                board.apply(e, now);
            } else if (next instanceof Artifact a) {
                board.finished(a);
            } else {
                board.failed();
            }
        }
    }

    private void paint() {
        List<String> lines = board.lines(io.nanoTime().getAsLong(), io.columns());
        painter.paint(lines);
    }

    private enum Failure {
        INSTANCE
    }
}
