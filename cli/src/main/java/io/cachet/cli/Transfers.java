package io.cachet.cli;

import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.Disposable;

/**
 * What the downloads of this command used, read from the cache's events for {@code --json}: for
 * each key, the most connections it had open at once and the sources bytes came from (the
 * request's own URL first, then mirrors, as the engine reports them: redacted). Subscribed before
 * the first fetch, so that nothing is missed; the engine publishes a download's events before its
 * result.
 */
final class Transfers implements AutoCloseable {
    /** What one download used; none for an artifact this process did not download. */
    record Used(int connections, List<String> sources) {
        static final Used NONE = new Used(0, List.of());
    }

    private final Map<Key, Used> used = new ConcurrentHashMap<>();
    private final Disposable subscription;

    private Transfers(Cache cache) {
        this.subscription = cache.events().subscribe(this::on);
    }

    static Transfers watch(Cache cache) {
        return new Transfers(cache);
    }

    /** What the download of {@code key} used. */
    Used of(Key key) {
        return used.getOrDefault(key, Used.NONE);
    }

    private void on(CacheEvent event) {
        if (event instanceof CacheEvent.Started s) {
            used.merge(event.key(), new Used(1, List.of(s.url())), Transfers::combine);
        } else if (event instanceof CacheEvent.Connections c) {
            used.merge(event.key(), new Used(c.connections(), c.sources()), Transfers::combine);
        }
    }

    private static Used combine(Used before, Used now) {
        List<String> sources = new ArrayList<>(before.sources());
        for (String source : now.sources()) {
            if (!sources.contains(source)) {
                sources.add(source);
            }
        }
        return new Used(Math.max(before.connections(), now.connections()), sources);
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
