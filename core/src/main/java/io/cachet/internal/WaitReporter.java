package io.cachet.internal;

import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Turns a lock wait into events: one {@code Waiting} naming the holder, then {@code Progress}
 * events (remote) read from the holder's sidecar and part file at most every {@link
 * #READ_INTERVAL_MILLIS}. Called serially by one acquisition, on the I/O scheduler.
 */
final class WaitReporter implements LockManager.Waiting {
    static final long READ_INTERVAL_MILLIS = 250;

    private final Store store;
    private final Key key;
    private final KeyId id;
    private final Events events;
    private final LongSupplier nowMillis;

    // Touched serially by the acquisition's polling steps.
    private boolean announced;
    private long lastRead;
    private long lastBytes = Long.MIN_VALUE;

    WaitReporter(Store store, Key key, KeyId id, Events events, LongSupplier nowMillis) {
        this.store = store;
        this.key = key;
        this.id = id;
        this.events = events;
        this.nowMillis = nowMillis;
    }

    @Override
    public void busy(boolean otherProcess, Duration waited) {
        long now = nowMillis.getAsLong();
        if (announced && now - lastRead < READ_INTERVAL_MILLIS) {
            return;
        }
        lastRead = now;
        Store.Holder holder = store.holder(id);
        if (!announced) {
            announced = true;
            events.emit(new CacheEvent.Waiting(key, holder == null ? -1 : holder.pid()));
        }
        if (holder != null && holder.bytes() >= 0 && holder.bytes() != lastBytes) {
            lastBytes = holder.bytes();
            events.emit(new CacheEvent.Progress(key, holder.bytes(), holder.total(), true));
        }
    }
}
