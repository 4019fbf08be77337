package io.cachet.internal;

import io.cachet.CacheEvent;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Publishes a cache's events to whoever listens. Events come from many threads at once; a
 * lock-free queue-drain serialises them into the sink, so no thread ever waits for another and no
 * monitor is held while a subscriber runs. Slow subscribers miss events ({@code directBestEffort})
 * instead of slowing downloads.
 */
final class Events {
    private final Sinks.Many<CacheEvent> sink = Sinks.many().multicast().directBestEffort();
    private final Queue<CacheEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();

    private volatile @Nullable Consumer<CacheEvent> tap;

    /** Also hands every event to {@code listener}, on the emitting thread, before subscribers see it. */
    void tap(Consumer<CacheEvent> listener) {
        this.tap = listener;
    }

    void emit(CacheEvent event) {
        Consumer<CacheEvent> listener = tap;
        if (listener != null) {
            listener.accept(event);
        }
        queue.offer(event);
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            CacheEvent next;
            while ((next = queue.poll()) != null) {
                sink.tryEmitNext(next);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    Flux<CacheEvent> flux() {
        return sink.asFlux();
    }

    void complete() {
        sink.tryEmitComplete();
    }
}
