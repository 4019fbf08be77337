package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** docs/architecture.md, "Single flight per request, per cache": one download per request in a JVM, shared by every caller. */
@Timeout(120)
class SingleFlightTest {
    private static final byte[] BODY = Bytes.random(1024 * 1024, 7);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/shard-7").withSha256(SHA);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void thousandConcurrentCallersCauseOneOriginOpenAndAllGetTheSameArtifact() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache cache = fixture.open();
        int callers = 1000;
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Artifact>> results = new ArrayList<>();
        try {
            List<CompletableFuture<CompletableFuture<Artifact>>> subscribed = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                subscribed.add(CompletableFuture.supplyAsync(
                        () -> {
                            awaitQuietly(start);
                            return cache.fetch(REQUEST).toFuture();
                        },
                        threads));
            }
            start.countDown();
            for (CompletableFuture<CompletableFuture<Artifact>> s : subscribed) {
                results.add(s.get(20, TimeUnit.SECONDS));
            }
            gate.tryEmitEmpty();
            List<Artifact> artifacts = new ArrayList<>();
            for (CompletableFuture<Artifact> r : results) {
                artifacts.add(r.get(20, TimeUnit.SECONDS));
            }

            assertThat(fixture.origin.opens()).isEqualTo(1);
            assertThat(artifacts)
                    .extracting(Artifact::path)
                    .containsOnly(artifacts.get(0).path());
            assertThat(artifacts).extracting(Artifact::sha256).containsOnly(SHA);
            assertThat(artifacts)
                    .filteredOn(a -> a.source() == Artifact.Source.DOWNLOADED)
                    .hasSize(1);
            assertThat(artifacts)
                    .filteredOn(a -> a.source() == Artifact.Source.WAITED)
                    .hasSize(callers - 1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void closingTheCacheFailsFetchesInFlightAndLaterOnesWithTheCachetExceptionFetchPromises() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        fixture.allowResumableParts();
        Cache cache = fixture.open();
        CompletableFuture<Artifact> running = cache.fetch(REQUEST).toFuture();
        io.cachet.testing.Await.until("the download started", () -> fixture.origin.opens() == 1);

        cache.close();

        assertThat(io.cachet.testing.Failures.failure(running, CacheClosedException.class))
                .hasMessageContaining("was closed")
                .hasMessageContaining("open a new cache");
        assertThat(io.cachet.testing.Failures.failure(cache.fetch(REQUEST).toFuture(), CacheClosedException.class)
                        .root())
                .isEqualTo(cache.root());
    }

    @Test
    void oneCallerCancellingDoesNotDisturbTheOthers() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache cache = fixture.open();
        CompletableFuture<Artifact> first = cache.fetch(REQUEST).toFuture();
        Disposable quitter = cache.fetch(REQUEST).subscribe();
        CompletableFuture<Artifact> third = cache.fetch(REQUEST).toFuture();

        quitter.dispose();
        gate.tryEmitEmpty();

        assertThat(first.join().sha256()).isEqualTo(SHA);
        assertThat(third.join().path()).isEqualTo(first.join().path());
        assertThat(fixture.origin.opens()).isEqualTo(1);
        assertThat(fixture.origin.bodyCancels()).isZero();
    }

    @Test
    void whenEveryCallerCancelsTheDownloadStillCompletesAndCommits() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache cache = fixture.open();

        StepVerifier.create(cache.events().filter(e -> e instanceof CacheEvent.Committed))
                .then(() -> {
                    cache.fetch(REQUEST).subscribe().dispose();
                    cache.fetch(REQUEST).subscribe().dispose();
                    gate.tryEmitEmpty();
                })
                .assertNext(committed -> assertThat(
                                ((CacheEvent.Committed) committed).artifact().sha256())
                        .isEqualTo(SHA))
                .thenCancel()
                .verify(Duration.ofSeconds(30));

        assertThat(fixture.origin.bodyCancels()).isZero();
        Artifact later = cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        assertThat(later.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void failedFlightIsForgottenSoTheNextCallTriesAgain() {
        fixture.origin.enqueue(status(404), ok(BODY));
        Cache cache = fixture.open();
        EventRecorder events = fixture.record(cache);

        StepVerifier.create(cache.fetch(REQUEST))
                .expectErrorSatisfies(
                        e -> assertThat(e).isInstanceOf(OriginException.class).hasMessageContaining("404"))
                .verify(Duration.ofSeconds(30));
        Artifact second = cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(second.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(fixture.origin.opens()).isEqualTo(2);
        assertThat(events.of(CacheEvent.Failed.class)).hasSize(1);
    }

    @Test
    void twoCachesOnOneDirectoryInOneJvmDownloadOnceAndNeverOverlapTheirFileLocks() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache first = fixture.open();
        Path link = Files.createSymbolicLink(fixture.root().resolveSibling("via-link"), fixture.root());
        Cache second = fixture.open(Cache.builder().root(link).origin(fixture.origin));
        EventRecorder firstEvents = fixture.record(first);
        EventRecorder secondEvents = fixture.record(second);
        List<CompletableFuture<Artifact>> results = new ArrayList<>();

        StepVerifier.create(first.events()
                        .mergeWith(second.events())
                        .filter(e -> e instanceof CacheEvent.Waiting)
                        .take(1))
                .then(() -> {
                    results.add(first.fetch(REQUEST).toFuture());
                    results.add(second.fetch(REQUEST).toFuture());
                })
                .as("the caller queued behind the other cache says that it waits")
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        gate.tryEmitEmpty();

        List<Artifact> artifacts =
                List.of(results.get(0).get(30, TimeUnit.SECONDS), results.get(1).get(30, TimeUnit.SECONDS));
        assertThat(artifacts)
                .extracting(Artifact::source)
                .containsExactlyInAnyOrder(Artifact.Source.DOWNLOADED, Artifact.Source.WAITED);
        assertThat(artifacts.get(0).path().toRealPath())
                .isEqualTo(artifacts.get(1).path().toRealPath());
        assertThat(fixture.origin.opens()).isEqualTo(1);
        List<CacheEvent.Hit> hits = new ArrayList<>(firstEvents.of(CacheEvent.Hit.class));
        hits.addAll(secondEvents.of(CacheEvent.Hit.class));
        assertThat(hits)
                .as("the waiter's Hit event says what its caller got")
                .singleElement()
                .satisfies(hit -> assertThat(hit.artifact().source()).isEqualTo(Artifact.Source.WAITED));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
