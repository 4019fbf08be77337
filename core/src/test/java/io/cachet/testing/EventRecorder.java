package io.cachet.testing;

import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.Key;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Disposable;

/**
 * Records a cache's events, checking on each one the invariants every sequence must keep (in the
 * manner of OkHttp's RecordingEventListener): {@code Committed} follows a {@code Started} for the
 * same key, and {@code Progress} never passes the expected total.
 */
public final class EventRecorder implements AutoCloseable {
    private final List<CacheEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<Key> started = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Disposable subscription;

    private EventRecorder(Cache cache) {
        subscription = cache.events().subscribe(this::record);
    }

    public static EventRecorder record(Cache cache) {
        return new EventRecorder(cache);
    }

    private void record(CacheEvent event) {
        events.add(event);
        if (event instanceof CacheEvent.Started) {
            started.add(event.key());
        }
        if (event instanceof CacheEvent.Committed && !started.contains(event.key())) {
            violations.add("Committed without Started: " + event);
        }
        if (event instanceof CacheEvent.Progress p && p.total() >= 0 && p.bytes() > p.total()) {
            violations.add("Progress past the total: " + event);
        }
        if (event instanceof CacheEvent.Connections c
                && (c.connections() < 0 || (c.connections() > 0) == c.sources().isEmpty())) {
            violations.add("Connections without sources, or sources without connections: " + event);
        }
    }

    public List<CacheEvent> events() {
        return List.copyOf(events);
    }

    /** The event types, in order. */
    public List<CacheEvent.Type> types() {
        return events.stream().map(CacheEvent::type).toList();
    }

    /** The event types of one key, in order. */
    public List<CacheEvent.Type> types(Key key) {
        return events.stream()
                .filter(e -> e.key().equals(key))
                .map(CacheEvent::type)
                .toList();
    }

    /** The types in order, with consecutive duplicates (progress) collapsed. */
    public List<CacheEvent.Type> distinctTypes() {
        List<CacheEvent.Type> out = new ArrayList<>();
        for (CacheEvent e : events) {
            if (out.isEmpty() || out.get(out.size() - 1) != e.type()) {
                out.add(e.type());
            }
        }
        return out;
    }

    public <T extends CacheEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Invariant violations seen so far. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    Set<Key> keysStarted() {
        return new HashSet<>(started);
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
