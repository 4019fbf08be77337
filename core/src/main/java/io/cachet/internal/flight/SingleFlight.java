package io.cachet.internal.flight;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * At most one piece of work per key at a time in this process; everyone who asks meanwhile shares
 * its result.
 *
 * <ul>
 *   <li>The first caller for a key starts the work; later callers join it. The table entry is
 *       removed (with {@code remove(key, thatFlight)}) <em>before</em> the result is signalled, so
 *       a failure is never replayed to a caller who arrives afterwards: that caller starts afresh.
 *   <li>The work runs detached from its callers: a caller cancelling only stops listening, and the
 *       work completes even if every caller has cancelled (its result is wanted by the next one).
 *   <li>{@link #cancelAll} stops every running flight; its callers get the error it is given.
 * </ul>
 */
public final class SingleFlight<K, V> {
    private final ConcurrentMap<K, Flight<V>> flights = new ConcurrentHashMap<>();

    /**
     * The result of the flight for {@code key}, starting {@code work} if none is running.
     *
     * @param joined how a caller who joined a running flight sees its result
     */
    public Mono<V> join(K key, Supplier<Mono<V>> work, Function<V, V> joined) {
        return Mono.defer(() -> {
            Flight<V> running = flights.get(key);
            if (running != null) {
                return running.result.asMono().map(joined);
            }
            Flight<V> mine = new Flight<>();
            running = flights.putIfAbsent(key, mine);
            if (running != null) {
                return running.result.asMono().map(joined);
            }
            mine.run = Mono.defer(work)
                    .subscribe(
                            value -> {
                                mine.valued = true;
                                flights.remove(key, mine);
                                mine.result.tryEmitValue(value);
                            },
                            error -> {
                                flights.remove(key, mine);
                                mine.result.tryEmitError(error);
                            },
                            () -> {
                                if (!mine.valued) {
                                    flights.remove(key, mine);
                                    mine.result.tryEmitError(
                                            new IllegalStateException("flight for " + key + " completed empty"));
                                }
                            });
            return mine.result.asMono();
        });
    }

    /** How many flights are running. */
    public int size() {
        return flights.size();
    }

    /** Stops every running flight; their callers get {@code error}. */
    public void cancelAll(Supplier<? extends Throwable> error) {
        List<Flight<V>> running = new ArrayList<>(flights.values());
        flights.clear();
        for (Flight<V> flight : running) {
            Disposable run = flight.run;
            if (run != null) {
                run.dispose();
            }
            flight.result.tryEmitError(error.get());
        }
    }

    private static final class Flight<V> {
        final Sinks.One<V> result = Sinks.one();
        volatile @Nullable Disposable run;
        volatile boolean valued;
    }
}
