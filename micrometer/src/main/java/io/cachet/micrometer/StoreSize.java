package io.cachet.micrometer;

import io.cachet.CacheEntry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The size of a cache's verified artifacts, without walking the directory on every scrape: read
 * from {@code Cache.entries()} now and then, and grown by each commit in between. A commit that
 * lands while a scan runs is added to the scan's result, so it may count twice until the next
 * scan; blobs that other processes add or remove are seen at the next scan.
 */
final class StoreSize {
    private static final Logger log = LoggerFactory.getLogger(StoreSize.class);

    private final Flux<CacheEntry> entries;
    private final Duration interval;
    private final Scheduler timer;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicInteger scans = new AtomicInteger();

    // Guarded by this.
    private long bytes;
    private long artifacts;
    private boolean scanning;
    private long bytesDuringScan;
    private long artifactsDuringScan;

    StoreSize(Flux<CacheEntry> entries, Duration interval, Scheduler timer) {
        this.entries = entries;
        this.interval = interval;
        this.timer = timer;
    }

    void register(MeterRegistry registry, Tags tags) {
        Gauge.builder("cachet.store.size", this, StoreSize::bytes)
                .description("Bytes of verified artifacts in the cache directory, from every process")
                .baseUnit("bytes")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        Gauge.builder("cachet.store.artifacts", this, StoreSize::artifacts)
                .description("Verified artifacts in the cache directory, from every process")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    /** Scans now and every interval until {@code cacheClosed} completes; the first call only. */
    Disposable start(Mono<?> cacheClosed) {
        if (!started.compareAndSet(false, true)) {
            return Disposables.disposed();
        }
        return Flux.interval(Duration.ZERO, interval, timer)
                .onBackpressureDrop()
                .concatMap(tick -> scan(), 1)
                .takeUntilOther(cacheClosed.then(Mono.just(Boolean.TRUE)))
                .subscribe();
    }

    private Mono<Void> scan() {
        return Mono.defer(() -> {
                    scanStarted();
                    return entries.filter(CacheEntry::present)
                            .distinct(CacheEntry::sha256)
                            .reduce(new long[2], (sum, entry) -> {
                                sum[0] += entry.size();
                                sum[1]++;
                                return sum;
                            });
                })
                .doOnNext(sum -> scanned(sum[0], sum[1]))
                .onErrorResume(e -> {
                    scanFailed();
                    log.debug("could not read the cache's entries to measure its size; the next scan tries again", e);
                    return Mono.empty();
                })
                .then();
    }

    /** A commit of this cache (a blob shared with another key may be counted twice until the next scan). */
    synchronized void committed(long size) {
        bytes += size;
        artifacts++;
        if (scanning) {
            bytesDuringScan += size;
            artifactsDuringScan++;
        }
    }

    private synchronized void scanStarted() {
        scanning = true;
        bytesDuringScan = 0;
        artifactsDuringScan = 0;
    }

    private synchronized void scanned(long foundBytes, long foundArtifacts) {
        bytes = foundBytes + bytesDuringScan;
        artifacts = foundArtifacts + artifactsDuringScan;
        scanning = false;
        scans.incrementAndGet();
    }

    private synchronized void scanFailed() {
        scanning = false;
    }

    synchronized double bytes() {
        return bytes;
    }

    synchronized double artifacts() {
        return artifacts;
    }

    int scans() {
        return scans.get();
    }
}
