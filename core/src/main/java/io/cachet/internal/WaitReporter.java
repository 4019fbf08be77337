package io.cachet.internal;

import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.store.KeyId;
import io.cachet.internal.store.Store;
import java.time.Duration;

/**
 * Turns a lock wait into events: one {@code Waiting} naming the holder, then {@code Progress}
 * events (remote) read from the holder's sidecar and part file at most every {@link
 * #READ_INTERVAL_MILLIS}. Called serially by one acquisition, on the I/O scheduler.
 */
final class WaitReporter implements LockManager.Waiting {
    static final long READ_INTERVAL_MILLIS = 250;

    private final Engine engine;
    private final Key key;
    private final KeyId id;

    // Touched serially by the acquisition's polling steps.
    private boolean announced;
    private long lastRead;
    private long lastBytes = Long.MIN_VALUE;

    WaitReporter(Engine engine, Key key, KeyId id) {
        this.engine = engine;
        this.key = key;
        this.id = id;
    }

    @Override
    public void busy(boolean otherProcess, Duration waited) {
        long now = engine.nowMillis();
        if (announced && now - lastRead < READ_INTERVAL_MILLIS) {
            return;
        }
        lastRead = now;
        Store.Holder holder = engine.store.holder(id);
        if (!announced) {
            announced = true;
            engine.events.emit(new CacheEvent.Waiting(
                    key, holder == null ? -1 : holder.owner().pid()));
        }
        if (holder != null && holder.bytes() >= 0 && holder.bytes() != lastBytes) {
            lastBytes = holder.bytes();
            engine.events.emit(new CacheEvent.Progress(key, holder.bytes(), holder.total(), true));
        }
    }
}
