package io.cachet.micrometer;

import io.cachet.Cache;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Micrometer meters for one {@link Cache}, fed by its {@link Cache#events() events}.
 *
 * <pre>{@code
 * CachetMetrics metrics = new CachetMetrics(cache);
 * metrics.bindTo(registry);          // Spring Boot binds every MeterBinder bean by itself
 * ...
 * metrics.close();                   // stops listening; closing the cache does too
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code cachet.fetches}</td><td>counter</td><td>{@code source}, {@code outcome}</td>
 *       <td>fetches that ended: {@code source} is {@code hit}, {@code downloaded}, {@code resumed},
 *       {@code waited} (another cache, process or host downloaded it), {@code tier} (read from a
 *       fleet's tier) or {@code none} (failed); {@code outcome} is {@code success} or the error:
 *       {@code origin_error}, {@code integrity_error}, {@code storage_error}, {@code lock_timeout},
 *       {@code invalid_request}, {@code cache_closed}, {@code offline}</td></tr>
 *   <tr><td>{@code cachet.download.bytes}</td><td>counter (bytes)</td><td></td>
 *       <td>bytes received from origins</td></tr>
 *   <tr><td>{@code cachet.downloads}</td><td>timer</td><td>{@code outcome}</td>
 *       <td>downloads, from their first attempt to their commit or failure</td></tr>
 *   <tr><td>{@code cachet.downloads.active}</td><td>gauge</td><td></td>
 *       <td>downloads in flight</td></tr>
 *   <tr><td>{@code cachet.lock.wait}</td><td>timer</td><td>{@code outcome}</td>
 *       <td>time spent waiting for another cache's or process's download of the same artifact</td></tr>
 *   <tr><td>{@code cachet.lock.waiters}</td><td>gauge</td><td></td><td>fetches waiting now</td></tr>
 *   <tr><td>{@code cachet.retries}</td><td>counter</td><td>{@code cause}</td>
 *       <td>attempts retried: {@code http_<status>}, {@code timeout}, {@code connection} or
 *       {@code other}</td></tr>
 *   <tr><td>{@code cachet.integrity.failures}</td><td>counter</td><td>{@code kind}</td>
 *       <td>downloads whose bytes did not verify: {@code digest_mismatch}, {@code size_mismatch},
 *       {@code too_large}</td></tr>
 *   <tr><td>{@code cachet.store.size}</td><td>gauge (bytes)</td><td></td>
 *       <td>verified artifacts in the cache directory, from every process</td></tr>
 *   <tr><td>{@code cachet.store.artifacts}</td><td>gauge</td><td></td>
 *       <td>how many verified artifacts the directory holds</td></tr>
 * </table>
 *
 * <p>The two timers publish a percentile histogram and the 0.5, 0.95 and 0.99 percentiles; a
 * {@code MeterFilter} can change that. Callers that join a fetch already in flight in the same
 * cache share its one event, so they are not counted again. The store's size is read from the
 * directory when the binder is bound and then every {@link Builder#storeRescanInterval rescan
 * interval}, and in between grows with this cache's commits; reading a gauge never touches the
 * disk. Between rescans it misses what other processes and {@link Cache#gc} changed.
 *
 * <p>Every meter carries the tags given to {@link Builder#tags}, for example the cache's name
 * when an application has several.
 */
public final class CachetMetrics implements MeterBinder, AutoCloseable {
    /** How often the store's size is read from the directory by default. */
    public static final Duration DEFAULT_STORE_RESCAN_INTERVAL = Duration.ofMinutes(5);

    private final Flux<CacheEvent> events;
    private final Tags tags;
    private final StoreSize store;
    private final Disposable.Composite running = Disposables.composite();
    private volatile boolean closed;

    /** Meters for {@code cache}, without extra tags, rescanning the store every 5 minutes. */
    public CachetMetrics(Cache cache) {
        this(builder(cache));
    }

    private CachetMetrics(Builder builder) {
        this(builder.cache.events(), builder.cache.entries(), builder.tags, builder.storeRescanInterval, builder.timer);
    }

    /** For tests: any stream of events and entries. */
    CachetMetrics(
            Flux<CacheEvent> events,
            Flux<CacheEntry> entries,
            Iterable<Tag> tags,
            Duration storeRescanInterval,
            Scheduler timer) {
        this.events = events;
        this.tags = Tags.of(tags);
        this.store = new StoreSize(entries, storeRescanInterval, timer);
    }

    /** A builder for meters of {@code cache}. */
    public static Builder builder(Cache cache) {
        return new Builder(Objects.requireNonNull(cache, "cache"));
    }

    /**
     * Registers the meters in {@code registry} and starts counting from now on. May be called for
     * several registries.
     *
     * @throws IllegalStateException if this binder was closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (closed) {
            throw new IllegalStateException("these Cachet metrics were closed; create new ones to bind them again");
        }
        Recorder recorder = new Recorder(registry, tags, store);
        store.register(registry, tags);
        running.add(events.subscribe(recorder::record, recorder::failed, recorder::finished));
        running.add(store.start(events.ignoreElements()));
    }

    /** Stops listening to the cache and stops rescanning the store; the meters keep their values. */
    @Override
    public void close() {
        closed = true;
        running.dispose();
    }

    /** Store scans run so far, for tests. */
    int storeScans() {
        return store.scans();
    }

    /** Configures {@link CachetMetrics}. */
    public static final class Builder {
        private final Cache cache;
        private Tags tags = Tags.empty();
        private Duration storeRescanInterval = DEFAULT_STORE_RESCAN_INTERVAL;
        private Scheduler timer = Schedulers.parallel();

        private Builder(Cache cache) {
            this.cache = cache;
        }

        /** Tags added to every meter, such as {@code cache=models}. */
        public Builder tags(Iterable<Tag> tags) {
            this.tags = Tags.of(tags);
            return this;
        }

        /** How often the store's size is read again from the directory. Default: 5 minutes. */
        public Builder storeRescanInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the store rescan interval must be positive: " + interval);
            }
            this.storeRescanInterval = interval;
            return this;
        }

        /** Where rescans are scheduled. Default: {@link Schedulers#parallel()}. */
        public Builder timer(Scheduler timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** The binder; nothing runs until it is {@link CachetMetrics#bindTo bound}. */
        public CachetMetrics build() {
            return new CachetMetrics(this);
        }
    }
}
