package io.cachet.internal.fleet;

import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.spi.Cluster;
import java.util.function.Consumer;

/**
 * Turns a wait for another host's lease into events: one {@code Waiting} naming the holder's host
 * and pid, then a remote {@code Progress} whenever the holder's recorded progress changes. Called
 * by one acquisition's polls, one after another.
 */
final class WaitReport {
    private final Key key;
    private final Consumer<CacheEvent> events;

    // Touched by the acquisition's polls, one after another.
    private boolean announced;
    private long lastBytes = Long.MIN_VALUE;

    WaitReport(Key key, Consumer<CacheEvent> events) {
        this.key = key;
        this.events = events;
    }

    void busy(Cluster.Holder holder) {
        if (!announced) {
            announced = true;
            events.accept(new CacheEvent.Waiting(key, holder.pid(), holder.host()));
        }
        if (holder.bytes() >= 0 && holder.bytes() != lastBytes) {
            lastBytes = holder.bytes();
            events.accept(new CacheEvent.Progress(key, holder.bytes(), holder.total(), true));
        }
    }

    /** Whether another host held the lease at some point of this wait. */
    boolean waited() {
        return announced;
    }
}
