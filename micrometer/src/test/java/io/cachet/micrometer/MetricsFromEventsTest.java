package io.cachet.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.CacheClosedException;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Durations and the classification of failures, from events written here and a {@link MockClock}:
 * exact times without waiting for any.
 */
class MetricsFromEventsTest {
    private static final Key KEY = Key.of("model");
    private static final Sha256 SHA = Sha256.of(new byte[32]);
    private static final Artifact DOWNLOADED =
            new Artifact(KEY, Path.of("/cache/blobs/x"), SHA, 1000, Artifact.Source.DOWNLOADED);

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final Sinks.Many<CacheEvent> events = Sinks.many().multicast().directBestEffort();
    private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
    private final AtomicInteger scansAsked = new AtomicInteger();
    private final CachetMetrics metrics = new CachetMetrics(
            events.asFlux(),
            Flux.<CacheEntry>empty().doOnSubscribe(s -> scansAsked.incrementAndGet()),
            Tags.empty(),
            Duration.ofMinutes(1),
            timer);

    @AfterEach
    void close() {
        metrics.close();
        timer.dispose();
    }

    @Test
    void aDownloadLastsFromItsFirstStartToItsCommitRetriesIncluded() {
        metrics.bindTo(registry);

        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 0, 1000));
        clock.add(Duration.ofSeconds(2));
        emit(new CacheEvent.Retrying(KEY, 1, Duration.ofSeconds(1), transientFailure(503, null)));
        clock.add(Duration.ofSeconds(1));
        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 0, 1000));
        clock.add(Duration.ofSeconds(3));
        emit(new CacheEvent.Committed(KEY, DOWNLOADED));

        var downloads =
                registry.get("cachet.downloads").tag("outcome", "success").timer();
        assertThat(downloads.count()).isEqualTo(1);
        assertThat(downloads.totalTime(TimeUnit.SECONDS)).isEqualTo(6.0);
        assertThat(registry.get("cachet.download.bytes").counter().count()).isEqualTo(1000);
    }

    @Test
    void aLockWaitLastsUntilTheLockIsHeldAndEndsByTheFetchsOutcome() {
        metrics.bindTo(registry);

        emit(new CacheEvent.Waiting(KEY, 4242));
        emit(new CacheEvent.Progress(KEY, 500, 1000, true));
        clock.add(Duration.ofMillis(1500));
        // The engine may announce the hit as a plain HIT; after a wait, it was another's download.
        emit(new CacheEvent.Hit(KEY, DOWNLOADED.withSource(Artifact.Source.HIT)));
        emit(new CacheEvent.Waiting(KEY, 4242));
        clock.add(Duration.ofSeconds(30));
        emit(new CacheEvent.Failed(
                KEY, new LockTimeoutException(KEY, Path.of("/cache/locks/x"), Duration.ofSeconds(30), 4242, 1, 2)));

        var acquired =
                registry.get("cachet.lock.wait").tag("outcome", "success").timer();
        assertThat(acquired.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1500);
        var timedOut =
                registry.get("cachet.lock.wait").tag("outcome", "lock_timeout").timer();
        assertThat(timedOut.totalTime(TimeUnit.SECONDS)).isEqualTo(30);
        assertThat(registry.get("cachet.fetches")
                        .tag("source", "none")
                        .tag("outcome", "lock_timeout")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("cachet.download.bytes").counter().count())
                .as("another process's progress is not ours")
                .isZero();
        assertThat(registry.get("cachet.lock.waiters").gauge().value()).isZero();
    }

    @Test
    void aResumeCountsOnlyTheBytesThatArrive() {
        metrics.bindTo(registry);

        emit(new CacheEvent.Resumed(KEY, 400));
        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 400, 1000));
        emit(new CacheEvent.Progress(KEY, 700, 1000, false));
        emit(new CacheEvent.Committed(KEY, DOWNLOADED.withSource(Artifact.Source.RESUMED)));

        assertThat(registry.get("cachet.download.bytes").counter().count()).isEqualTo(600);
        assertThat(registry.get("cachet.fetches")
                        .tag("source", "resumed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void bytesAnAttemptWroteAfterItsLastProgressCountWhenTheNextAttemptResumesAfterThem() {
        metrics.bindTo(registry);

        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 0, 1000));
        emit(new CacheEvent.Progress(KEY, 100, 1000, false));
        emit(new CacheEvent.Retrying(KEY, 1, Duration.ofSeconds(1), transientFailure(0, new IOException("reset"))));
        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 400, 1000));
        emit(new CacheEvent.Progress(KEY, 900, 1000, false));
        emit(new CacheEvent.Committed(KEY, DOWNLOADED.withSource(Artifact.Source.RESUMED)));

        assertThat(registry.get("cachet.download.bytes").counter().count()).isEqualTo(1000);
    }

    @Test
    void retryCausesAreAFewValuesWhateverTheOriginSays() {
        assertThat(Recorder.cause(transientFailure(429, null))).isEqualTo("http_429");
        assertThat(Recorder.cause(transientFailure(0, new TimeoutException("no answer"))))
                .isEqualTo("timeout");
        assertThat(Recorder.cause(transientFailure(0, new ConnectException("refused"))))
                .isEqualTo("connection");
        assertThat(Recorder.cause(transientFailure(0, new RuntimeException(new IOException("reset")))))
                .isEqualTo("connection");
        assertThat(Recorder.cause(transientFailure(0, new IllegalStateException("stalled"))))
                .isEqualTo("other");
        assertThat(Recorder.outcome(
                        new StorageException(Path.of("/x"), "write", StorageException.Reason.NO_SPACE, "full", null)))
                .isEqualTo("storage_error");
        assertThat(Recorder.outcome(new CacheClosedException(Path.of("/cache"))))
                .isEqualTo("cache_closed");
        assertThat(Recorder.outcome(new OfflineException(Key.of("model"), "https://models.example/m")))
                .isEqualTo("offline");
    }

    @Test
    void theCacheClosingEndsEverythingInFlightAndStopsTheRescans() {
        metrics.bindTo(registry);
        assertThat(scansAsked).hasValue(1);
        emit(new CacheEvent.Started(KEY, "https://origin.test/model", 0, 1000));
        emit(new CacheEvent.Waiting(Key.of("other"), 1));
        timer.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(scansAsked).hasValue(2);

        events.tryEmitComplete();
        timer.advanceTimeBy(Duration.ofMinutes(10));

        assertThat(scansAsked).as("no scan after the cache closed").hasValue(2);
        assertThat(registry.get("cachet.downloads.active").gauge().value()).isZero();
        assertThat(registry.get("cachet.lock.waiters").gauge().value()).isZero();
    }

    @Test
    void twoRegistriesEachGetTheMetersAndTheStoreIsScannedOnce() {
        SimpleMeterRegistry second = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
        metrics.bindTo(registry);
        metrics.bindTo(second);

        emit(new CacheEvent.Hit(KEY, DOWNLOADED.withSource(Artifact.Source.HIT)));

        for (var r : new SimpleMeterRegistry[] {registry, second}) {
            assertThat(r.get("cachet.fetches").tag("source", "hit").counter().count())
                    .isEqualTo(1);
        }
        assertThat(scansAsked).hasValue(1);
    }

    private void emit(CacheEvent event) {
        assertThat(events.tryEmitNext(event)).isEqualTo(Sinks.EmitResult.OK);
    }

    private static OriginException transientFailure(int status, Throwable cause) {
        return new OriginException("https://origin.test/model", status, 1, true, null, "failed", cause);
    }
}
