package io.cachet.internal.fetch;

import io.cachet.CacheEvent;
import io.cachet.Key;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns the writer's positions into {@code Progress} events: at most one per {@link
 * #INTERVAL_MILLIS} of the timer's clock, plus the first and the last, never one per chunk. Called
 * by the writer one call at a time.
 */
final class ProgressReporter {
    static final long INTERVAL_MILLIS = 100;

    private final Key key;
    private final LongSupplier nowMillis;
    private final Consumer<CacheEvent> events;
    private long last = Long.MIN_VALUE;

    ProgressReporter(Key key, LongSupplier nowMillis, Consumer<CacheEvent> events) {
        this.key = key;
        this.nowMillis = nowMillis;
        this.events = events;
    }

    /** Bytes {@code [0, at)} are written; {@code total} is the expected size or -1. */
    void written(long at, long total) {
        long now = nowMillis.getAsLong();
        // The first write always reports: now - Long.MIN_VALUE would overflow to a negative number.
        if (last == Long.MIN_VALUE || now - last >= INTERVAL_MILLIS || at == total) {
            last = now;
            events.accept(new CacheEvent.Progress(key, at, total, false));
        }
    }
}
