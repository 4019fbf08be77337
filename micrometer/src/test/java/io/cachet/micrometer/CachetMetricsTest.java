package io.cachet.micrometer;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.partial;
import static io.cachet.testing.FaultyOrigin.Response.refused;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The meters of a real engine on real files, read from a {@link SimpleMeterRegistry}. */
@Timeout(60)
class CachetMetricsTest {
    private static final byte[] BODY = Bytes.random(1024 * 1024 + 17, 7);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/model.bin").withSha256(SHA);
    private static final RetryPolicy FAST_RETRIES =
            new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), 0.0, Duration.ofSeconds(1));

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private CachetMetrics metrics;

    @AfterEach
    void closeMetrics() {
        if (metrics != null) {
            metrics.close();
        }
    }

    private Cache cacheWithMetrics() {
        Cache cache = fixture.open(fixture.builder().retry(FAST_RETRIES));
        metrics = new CachetMetrics(cache);
        metrics.bindTo(registry);
        return cache;
    }

    // ---- fetches, bytes, downloads -------------------------------------------------------------------

    @Test
    void aDownloadThenAHitAreCountedBySourceWithTheBytesAndTheDownloadTime() {
        fixture.origin.enqueue(ok(BODY).chunks(64 * 1024));
        Cache cache = cacheWithMetrics();

        cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(fetches("downloaded", "success")).isEqualTo(1);
        assertThat(fetches("hit", "success")).isEqualTo(1);
        assertThat(fetches("waited", "success")).isZero();
        assertThat(registry.get("cachet.download.bytes").counter().count()).isEqualTo(BODY.length);
        assertThat(registry.get("cachet.downloads")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(gauge("cachet.downloads.active")).isZero();
        assertThat(registry.get("cachet.download.bytes").counter().getId().getBaseUnit())
                .isEqualTo("bytes");
    }

    @Test
    void theSeriesDashboardsNeedExistBeforeTheFirstFetch() {
        cacheWithMetrics();

        assertThat(registry.get("cachet.fetches").counters())
                .extracting(c -> c.getId().getTag("source"))
                .containsExactlyInAnyOrder("hit", "downloaded", "resumed", "waited", "tier");
        assertThat(registry.get("cachet.downloads").timers()).hasSize(1);
        assertThat(registry.get("cachet.lock.wait").timers()).hasSize(1);
        assertThat(gauge("cachet.lock.waiters")).isZero();
        assertThat(gauge("cachet.downloads.active")).isZero();
    }

    @Test
    void aDownloadInFlightIsAnActiveDownloadUntilItCommits() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache cache = cacheWithMetrics();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        Await.until("the download has started", () -> gauge("cachet.downloads.active") == 1);
        gate.tryEmitEmpty();

        assertThat(result.join().source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(gauge("cachet.downloads.active")).isZero();
    }

    @Test
    void retriesAreCountedByCauseAndTheBytesOfAnInterruptedAttemptCountOnce() {
        fixture.origin.enqueue(
                status(503),
                refused(),
                ok(BODY).etag("\"v1\"").chunks(64 * 1024).disconnectAfter(300_000),
                partial(BODY, 300_000).etag("\"v1\""));
        Cache cache = cacheWithMetrics();

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(artifact.source()).isEqualTo(Artifact.Source.RESUMED);
        assertThat(counter("cachet.retries", "cause", "http_503")).isEqualTo(1);
        assertThat(counter("cachet.retries", "cause", "connection")).isEqualTo(2);
        assertThat(fetches("resumed", "success")).isEqualTo(1);
        assertThat(registry.get("cachet.download.bytes").counter().count())
                .as("every byte arrived once: 300,000 before the disconnect, the rest after the resume")
                .isEqualTo(BODY.length);
        assertThat(registry.get("cachet.downloads")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .as("one download, however many attempts")
                .isEqualTo(1);
    }

    @Test
    void anIntegrityFailureIsCountedByKindAndAsAFailedFetchAndDownload() {
        fixture.origin.enqueue(ok(Bytes.flip(BODY, 1000)));
        Cache cache = cacheWithMetrics();

        assertThatThrownBy(() -> cache.fetch(REQUEST).block(Duration.ofSeconds(30)))
                .isInstanceOf(IntegrityException.class);

        assertThat(counter("cachet.integrity.failures", "kind", "digest_mismatch"))
                .isEqualTo(1);
        assertThat(fetches("none", "integrity_error")).isEqualTo(1);
        assertThat(registry.get("cachet.downloads")
                        .tag("outcome", "integrity_error")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(gauge("cachet.downloads.active")).isZero();
    }

    @Test
    void aFailureBeforeAnyDownloadIsAFailedFetchByItsError() {
        fixture.origin.enqueue(status(404));
        Cache cache = cacheWithMetrics();

        assertThatThrownBy(() -> cache.fetch(REQUEST).block(Duration.ofSeconds(30)));

        assertThat(fetches("none", "origin_error")).isEqualTo(1);
        assertThat(registry.find("cachet.retries").counters()).isEmpty();
    }

    // ---- waiting for another cache's download -----------------------------------------------------

    @Test
    void aFetchWaitingForAnotherCachesDownloadIsAWaiterThenAWaitedFetch() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache holder = fixture.open(fixture.builder());
        Cache waiter = cacheWithMetrics();

        CompletableFuture<Artifact> first = holder.fetch(REQUEST).toFuture();
        Await.until("the holder is downloading", () -> fixture.origin.opens() == 1);
        CompletableFuture<Artifact> second = waiter.fetch(REQUEST).toFuture();
        Await.until("the second cache waits", () -> gauge("cachet.lock.waiters") == 1);
        gate.tryEmitEmpty();

        assertThat(first.join().source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.join().source()).isEqualTo(Artifact.Source.WAITED);
        assertThat(gauge("cachet.lock.waiters")).isZero();
        assertThat(fetches("waited", "success")).isEqualTo(1);
        assertThat(registry.get("cachet.lock.wait")
                        .tag("outcome", "success")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("cachet.download.bytes").counter().count())
                .as("the waiter downloaded nothing")
                .isZero();
    }

    // ---- the store's size ------------------------------------------------------------------------

    @Test
    void theStoreSizeIsReadOnceAtBindingThenGrowsWithCommitsWithoutReadingTheDirectory() {
        byte[] other = Bytes.random(4096, 8);
        fixture.origin.enqueue(ok(other), ok(BODY));
        Cache before = fixture.open(fixture.builder());
        before.fetch(FetchRequest.of("https://origin.test/other.bin")).block(Duration.ofSeconds(30));

        Cache cache = fixture.open(fixture.builder());
        metrics = CachetMetrics.builder(cache)
                .storeRescanInterval(Duration.ofHours(1))
                .build();
        metrics.bindTo(registry);
        Await.until("the first scan has run", () -> metrics.storeScans() == 1);
        assertThat(gauge("cachet.store.size")).isEqualTo(other.length);
        assertThat(gauge("cachet.store.artifacts")).isEqualTo(1);

        cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        for (int scrape = 0; scrape < 10; scrape++) {
            assertThat(gauge("cachet.store.size")).isEqualTo(other.length + BODY.length);
        }

        assertThat(gauge("cachet.store.artifacts")).isEqualTo(2);
        assertThat(metrics.storeScans()).as("scrapes never scan").isEqualTo(1);
    }

    @Test
    void aRescanSeesWhatOtherCachesAndProcessesCommitted() {
        VirtualTimeScheduler timer = VirtualTimeScheduler.create();
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open(fixture.builder());
        Cache other = fixture.open(fixture.builder());
        metrics = CachetMetrics.builder(cache)
                .storeRescanInterval(Duration.ofMinutes(5))
                .timer(timer)
                .build();
        metrics.bindTo(registry);
        Await.until("the first scan has run", () -> metrics.storeScans() == 1);

        other.fetch(REQUEST).block(Duration.ofSeconds(30));
        assertThat(gauge("cachet.store.size")).as("not seen before the rescan").isZero();
        timer.advanceTimeBy(Duration.ofMinutes(5));
        Await.until("the rescan has run", () -> metrics.storeScans() == 2);

        assertThat(gauge("cachet.store.size")).isEqualTo(BODY.length);
        timer.dispose();
    }

    // ---- tags and lifecycle --------------------------------------------------------------------

    @Test
    void everyMeterCarriesTheConfiguredTags() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open(fixture.builder());
        metrics = CachetMetrics.builder(cache).tags(Tags.of("cache", "models")).build();
        metrics.bindTo(registry);

        cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(registry.getMeters())
                .isNotEmpty()
                .allSatisfy(meter -> assertThat(meter.getId().getTag("cache"))
                        .as(meter.getId().toString())
                        .isEqualTo("models"));
        assertThat(registry.getMeters())
                .extracting(meter -> meter.getId().getName())
                .filteredOn(name -> name.startsWith("cachet."))
                .contains(
                        "cachet.fetches",
                        "cachet.download.bytes",
                        "cachet.downloads",
                        "cachet.downloads.active",
                        "cachet.lock.wait",
                        "cachet.lock.waiters",
                        "cachet.store.size",
                        "cachet.store.artifacts");
    }

    @Test
    void aClosedBinderCountsNothingMoreAndCannotBeBoundAgain() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = cacheWithMetrics();
        metrics.close();

        cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(fetches("downloaded", "success")).isZero();
        assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("create new ones");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private double fetches(String source, String outcome) {
        var counter = registry.find("cachet.fetches")
                .tag("source", source)
                .tag("outcome", outcome)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private double counter(String name, String tag, String value) {
        var counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
