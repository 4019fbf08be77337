package io.cachet.micrometer;

import io.cachet.Artifact;
import io.cachet.CacheClosedException;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.IntegrityException;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.StorageException;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one subscription's events into one registry's meters. Events arrive one at a time (a
 * {@code Flux} signals serially), so the maps need no locking; gauges read the atomics from any
 * thread.
 */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);
    static final String SUCCESS = "success";

    private final MeterRegistry registry;
    private final Tags tags;
    private final StoreSize store;
    private final Clock clock;
    private final Counter downloadedBytes;

    private final Map<String, Counter> counters = new HashMap<>();
    private final Map<String, Timer> timers = new HashMap<>();
    private final Map<Key, Long> downloadStarted = new HashMap<>();
    private final Map<Key, Long> bytesSeen = new HashMap<>();
    private final Map<Key, Long> waitStarted = new HashMap<>();
    private final AtomicInteger activeDownloads = new AtomicInteger();
    private final AtomicInteger waiters = new AtomicInteger();

    Recorder(MeterRegistry registry, Tags tags, StoreSize store) {
        this.registry = registry;
        this.tags = tags;
        this.store = store;
        this.clock = registry.config().clock();
        this.downloadedBytes = Counter.builder("cachet.download.bytes")
                .description("Bytes received from origins")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry);
        Gauge.builder("cachet.downloads.active", activeDownloads, AtomicInteger::get)
                .description("Downloads in flight")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        Gauge.builder("cachet.lock.waiters", waiters, AtomicInteger::get)
                .description("Fetches waiting for another cache's or process's download of the same artifact")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        // The usual series exist from the start, so that dashboards and rates see zeros, not gaps.
        for (Artifact.Source source : Artifact.Source.values()) {
            fetches(name(source), SUCCESS);
        }
        downloads(SUCCESS);
        lockWait(SUCCESS);
    }

    void record(CacheEvent event) {
        try {
            on(event);
        } catch (RuntimeException e) {
            // A bug here must not stop the meters for good (an exception would end the subscription).
            log.warn("Cachet metrics could not record {}", event, e);
        }
    }

    private void on(CacheEvent event) {
        Key key = event.key();
        long now = clock.monotonicTime();
        if (event instanceof CacheEvent.Hit hit) {
            // Found after waiting for another holder's lock: that holder downloaded it.
            boolean waited = endWait(key, SUCCESS, now);
            fetches(waited ? name(Artifact.Source.WAITED) : name(hit.artifact().source()), SUCCESS)
                    .increment();
        } else if (event instanceof CacheEvent.Waiting) {
            if (waitStarted.putIfAbsent(key, now) == null) {
                waiters.incrementAndGet();
            }
        } else if (event instanceof CacheEvent.Started started) {
            endWait(key, SUCCESS, now);
            Long seen = bytesSeen.get(key);
            if (downloadStarted.putIfAbsent(key, now) == null) {
                activeDownloads.incrementAndGet();
            } else if (seen != null && started.offset() > seen) {
                // The previous attempt's bytes up to where this one resumes all arrived.
                downloadedBytes.increment(started.offset() - seen);
            }
            bytesSeen.put(key, started.offset());
        } else if (event instanceof CacheEvent.Progress progress) {
            Long seen = bytesSeen.get(key);
            if (!progress.remote() && seen != null && progress.bytes() > seen) {
                downloadedBytes.increment(progress.bytes() - seen);
                bytesSeen.put(key, progress.bytes());
            }
        } else if (event instanceof CacheEvent.Retrying retrying) {
            counter(
                            "cachet.retries",
                            "Attempts retried after a failure that may pass",
                            "cause",
                            cause(retrying.cause()))
                    .increment();
        } else if (event instanceof CacheEvent.Committed committed) {
            Artifact artifact = committed.artifact();
            Long seen = bytesSeen.remove(key);
            if (seen != null && artifact.size() > seen) {
                downloadedBytes.increment(artifact.size() - seen);
            }
            endDownload(key, SUCCESS, now);
            store.committed(artifact.size());
            fetches(name(artifact.source()), SUCCESS).increment();
        } else if (event instanceof CacheEvent.Failed failed) {
            String outcome = outcome(failed.error());
            endWait(key, outcome, now);
            bytesSeen.remove(key);
            endDownload(key, outcome, now);
            if (failed.error() instanceof IntegrityException integrity) {
                counter(
                                "cachet.integrity.failures",
                                "Downloads whose bytes did not verify",
                                "kind",
                                integrity.kind().name().toLowerCase(Locale.ROOT))
                        .increment();
            }
            fetches("none", outcome).increment();
        }
        // Resumed: the Started that follows says where. Progress of another process: not ours.
    }

    /** The cache closed (or the binder failed): nothing is in flight any more. */
    void finished() {
        downloadStarted.clear();
        bytesSeen.clear();
        waitStarted.clear();
        activeDownloads.set(0);
        waiters.set(0);
    }

    void failed(Throwable error) {
        log.warn("Cachet metrics stopped: the cache's event stream failed", error);
        finished();
    }

    /** Whether {@code key} was waited for. */
    private boolean endWait(Key key, String outcome, long now) {
        Long started = waitStarted.remove(key);
        if (started == null) {
            return false;
        }
        waiters.decrementAndGet();
        lockWait(outcome).record(now - started, TimeUnit.NANOSECONDS);
        return true;
    }

    private void endDownload(Key key, String outcome, long now) {
        Long started = downloadStarted.remove(key);
        if (started != null) {
            activeDownloads.decrementAndGet();
            downloads(outcome).record(now - started, TimeUnit.NANOSECONDS);
        }
    }

    private Counter fetches(String source, String outcome) {
        return counters.computeIfAbsent(
                "cachet.fetches " + source + " " + outcome,
                id -> Counter.builder("cachet.fetches")
                        .description("Fetches that ended, by how the artifact was obtained and how the fetch ended")
                        .tags(tags)
                        .tag("source", source)
                        .tag("outcome", outcome)
                        .register(registry));
    }

    private Counter counter(String name, String description, String tag, String value) {
        return counters.computeIfAbsent(
                name + " " + value,
                id -> Counter.builder(name)
                        .description(description)
                        .tags(tags)
                        .tag(tag, value)
                        .register(registry));
    }

    private Timer downloads(String outcome) {
        return timer("cachet.downloads", "Downloads, from their first attempt to their commit or failure", outcome);
    }

    private Timer lockWait(String outcome) {
        return timer(
                "cachet.lock.wait",
                "Time spent waiting for another cache's or process's download of the same artifact",
                outcome);
    }

    private Timer timer(String name, String description, String outcome) {
        return timers.computeIfAbsent(
                name + " " + outcome,
                id -> Timer.builder(name)
                        .description(description)
                        .tags(tags)
                        .tag("outcome", outcome)
                        .publishPercentiles(0.5, 0.95, 0.99)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofHours(1))
                        .register(registry));
    }

    static String name(Artifact.Source source) {
        return source.name().toLowerCase(Locale.ROOT);
    }

    /** The {@code outcome} tag of a failure. */
    static String outcome(CachetException error) {
        if (error instanceof OriginException) {
            return "origin_error";
        }
        if (error instanceof IntegrityException) {
            return "integrity_error";
        }
        if (error instanceof StorageException) {
            return "storage_error";
        }
        if (error instanceof LockTimeoutException) {
            return "lock_timeout";
        }
        if (error instanceof InvalidRequestException) {
            return "invalid_request";
        }
        if (error instanceof CacheClosedException) {
            return "cache_closed";
        }
        if (error instanceof OfflineException) {
            return "offline";
        }
        return "error";
    }

    /** The {@code cause} tag of a retry: a few values, whatever the origin says. */
    static String cause(CachetException error) {
        if (error instanceof OriginException origin && origin.status() > 0) {
            return "http_" + origin.status();
        }
        @Nullable Throwable t = error.getCause();
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return "timeout";
            }
            if (t instanceof IOException) {
                return "connection";
            }
        }
        return "other";
    }
}
