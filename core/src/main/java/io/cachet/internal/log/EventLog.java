package io.cachet.internal.log;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.spi.Text;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The log lines an operator wants, written from a cache's events through SLF4J, under the logger
 * {@code io.cachet.Cache}:
 *
 * <ul>
 *   <li>INFO: a download started (key, URL, size, resume offset) and committed (key, size, how,
 *       duration, throughput, URL, SHA-256): two lines per download, never one per chunk;
 *   <li>WARN: an attempt failed and will be retried (with the cause and the delay), and a fetch
 *       failed (with its error);
 *   <li>DEBUG: waits for another download's lock, hits, later attempts, failures' stack traces.
 * </ul>
 *
 * <p>Nothing here sees a raw URI or header: keys print themselves redacted ({@link Key#toString()}),
 * and the URLs and messages in events are already redacted by {@link Text#redact}, so credentials
 * and query strings never reach the log.
 *
 * <p>Events arrive one at a time (a {@code Flux} signals serially), so the state needs no lock. A
 * line is written on the thread that emitted its event, except on a thread that must not block
 * (a reactor parallel thread, a transport's event loop): an appender may block, so the line is
 * then written from {@code io}, the cache's I/O threads.
 */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger(Cache.class);

    private final Logger log;
    private final Scheduler io;
    private final Map<Key, Download> downloads = new HashMap<>();
    private final Map<Key, Long> waits = new HashMap<>();

    private EventLog(Logger log, Scheduler io) {
        this.log = log;
        this.io = io;
    }

    /** Logs {@code events} until they complete (when their cache closes). */
    public static void attach(Flux<CacheEvent> events, Scheduler io) {
        attach(events, io, LOG);
    }

    static void attach(Flux<CacheEvent> events, Scheduler io, Logger log) {
        EventLog eventLog = new EventLog(log, io);
        events.subscribe(eventLog::onEvent, error -> {}, eventLog::clear);
    }

    private void onEvent(CacheEvent event) {
        try {
            log(event);
        } catch (RuntimeException e) {
            // An exception would end the subscription, and with it every later line.
            LOG.warn("could not log {}", event.type(), e);
        }
    }

    private void log(CacheEvent event) {
        Key key = event.key();
        if (event instanceof CacheEvent.Started started) {
            started(started);
        } else if (event instanceof CacheEvent.Committed committed) {
            committed(committed);
        } else if (event instanceof CacheEvent.Retrying retrying) {
            if (log.isWarnEnabled()) {
                write(
                        Level.WARN,
                        "download retrying: " + key + ", attempt " + retrying.attempt() + " failed ("
                                + reason(retrying.cause()) + "); next attempt in "
                                + Text.duration(retrying.delay()),
                        null);
            }
        } else if (event instanceof CacheEvent.Failed failed) {
            downloads.remove(key);
            Long waited = waits.remove(key);
            if (log.isWarnEnabled()) {
                CachetException error = failed.error();
                String after = waited == null ? "" : " after waiting " + Text.duration(since(waited));
                write(
                        Level.WARN,
                        "fetch failed: " + key + after + " (" + error.getClass().getSimpleName() + "): "
                                + message(error),
                        log.isDebugEnabled() ? error : null);
            }
        } else if (event instanceof CacheEvent.Waiting waiting) {
            waits.putIfAbsent(key, System.nanoTime());
            if (log.isDebugEnabled()) {
                write(
                        Level.DEBUG,
                        "waiting: " + key + " is being downloaded by "
                                + (waiting.holderPid() <= 0
                                        ? "another cache or process"
                                        : waiting.holderHost() != null
                                                ? waiting.holderHost() + " pid " + waiting.holderPid()
                                                : "process " + waiting.holderPid())
                                + (waiting.holderHost() != null
                                        ? "; this fetch waits for its cluster lease"
                                        : "; this fetch waits for its lock"),
                        null);
            }
        } else if (event instanceof CacheEvent.Hit hit) {
            Long waited = waits.remove(key);
            if (log.isDebugEnabled()) {
                Artifact artifact = hit.artifact();
                String how = artifact.source() == Artifact.Source.WAITED || waited != null
                        ? "downloaded by another cache or process"
                        : "in the cache";
                write(
                        Level.DEBUG,
                        "hit: " + key + ", " + Text.bytes(artifact.size()) + ", " + how
                                + (waited == null ? "" : ", after waiting " + Text.duration(since(waited))),
                        null);
            }
        }
        // Progress (never logged: one line per chunk is noise) and Resumed (the Started after it
        // says where the download resumes) write nothing.
    }

    private void started(CacheEvent.Started started) {
        Key key = started.key();
        Long waited = waits.remove(key);
        Download download = downloads.get(key);
        if (download != null) {
            download.attempts++;
            if (log.isDebugEnabled()) {
                write(
                        Level.DEBUG,
                        "download attempt " + download.attempts + ": " + key + " from byte " + started.offset(),
                        null);
            }
            return;
        }
        downloads.put(key, new Download(System.nanoTime(), started.offset(), started.url()));
        if (log.isInfoEnabled()) {
            StringBuilder line = new StringBuilder("download started: ")
                    .append(key)
                    .append(" from ")
                    .append(started.url())
                    .append(", ")
                    .append(started.expectedSize() >= 0 ? Text.bytes(started.expectedSize()) : "size unknown");
            if (started.offset() > 0) {
                line.append(", resuming after ").append(Text.bytes(started.offset()));
            }
            if (waited != null) {
                line.append(", after waiting ").append(Text.duration(since(waited)));
            }
            write(Level.INFO, line.toString(), null);
        }
    }

    private void committed(CacheEvent.Committed committed) {
        Key key = committed.key();
        Download download = downloads.remove(key);
        if (!log.isInfoEnabled()) {
            return;
        }
        Artifact artifact = committed.artifact();
        String how = artifact.source().name().toLowerCase(Locale.ROOT);
        if (download == null) { // Listening began after the download started.
            write(
                    Level.INFO,
                    "download committed: " + key + ", " + Text.bytes(artifact.size()) + " (" + artifact.size()
                            + " bytes), " + how + ", sha256 "
                            + artifact.sha256().hex(),
                    null);
            return;
        }
        Duration took = since(download.startNanos);
        long transferred = Math.max(0, artifact.size() - download.firstOffset);
        double seconds = Math.max(took.toNanos(), 1) / 1e9;
        write(
                Level.INFO,
                "download committed: " + key + ", " + Text.bytes(artifact.size()) + " ("
                        + artifact.size() + " bytes), "
                        + how + " in " + Text.duration(took) + " at "
                        + Text.bytes((long) (transferred / seconds)) + "/s"
                        + (download.attempts > 1 ? " in " + download.attempts + " attempts" : "")
                        + " from " + download.url + ", sha256 "
                        + artifact.sha256().hex(),
                null);
    }

    private void write(Level level, String line, @Nullable Throwable error) {
        if (Schedulers.isInNonBlockingThread()) {
            try {
                io.schedule(() -> emit(level, line, error));
                return;
            } catch (RejectedExecutionException closing) {
                // The cache is closing and its threads are gone: better a line here than none.
            }
        }
        emit(level, line, error);
    }

    private void emit(Level level, String line, @Nullable Throwable error) {
        if (error == null) {
            log.atLevel(level).log(line);
        } else {
            log.atLevel(level).setCause(error).log(line);
        }
    }

    /** The cache closed: whatever was in flight will not be heard of again. */
    private void clear() {
        downloads.clear();
        waits.clear();
    }

    /** What went wrong in a few words: the attempt's own reason, without the advice for a final failure. */
    private static String reason(CachetException error) {
        return error instanceof OriginException origin ? Text.printable(origin.reason(), 1000) : message(error);
    }

    private static String message(Throwable error) {
        String message = error.getMessage();
        return message == null ? error.getClass().getSimpleName() : Text.printable(message, 1000);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static final class Download {
        final long startNanos;
        final long firstOffset;
        final String url;
        int attempts = 1;

        Download(long startNanos, long firstOffset, String url) {
            this.startNanos = startNanos;
            this.firstOffset = firstOffset;
            this.url = url;
        }
    }
}
