package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.internal.Engine;
import io.cachet.spi.BlobTier;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.MemoryCluster;
import io.cachet.testing.MemoryTier;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Sinks;

/**
 * docs/architecture.md, "Fleet": hosts (here: caches on separate directories) sharing downloads
 * through a tier and a cluster lease, in memory. Each fault falls back to what one host does, and
 * never fails a fetch the origin can serve. The same runs against real Redis and s3proxy, with real
 * processes, in the CLI's FleetIT.
 */
@Timeout(60)
class FleetTest {
    private static final byte[] BODY = Bytes.random(1024 * 1024, 41);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest PINNED =
            FetchRequest.of("https://origin.test/model.bin").withSha256(SHA);
    private static final FetchRequest UNPINNED = FetchRequest.of("https://origin.test/latest.bin");
    private static final String LEASE = "sha256:" + SHA.hex();
    private static final Duration TTL = Duration.ofMillis(900);

    /** Every host's directory is audited by the fixture, which also checks that their threads stopped. */
    @RegisterExtension
    final CacheFixture a = new CacheFixture();

    final MemoryCluster cluster = new MemoryCluster();
    final MemoryTier tier = new MemoryTier();

    /** Host A: its own directory; the origin, tier and cluster every host shares. */
    private Cache hostA() {
        return a.open(Cache.builder().root(a.root()).origin(a.origin).tier(tier).cluster(cluster, TTL));
    }

    /** Host B: another directory, the same origin, tier and cluster. */
    private Cache hostB() {
        return a.open(Cache.builder()
                .root(a.anotherRoot("host-b"))
                .origin(a.origin)
                .tier(tier)
                .cluster(cluster, TTL));
    }

    /** Host A with the tier alone. */
    private Cache tierOnlyA() {
        return a.open(Cache.builder().root(a.root()).origin(a.origin).tier(tier));
    }

    /** Host B with the tier alone. */
    private Cache tierOnlyB() {
        return a.open(
                Cache.builder().root(a.anotherRoot("host-b")).origin(a.origin).tier(tier));
    }

    private static Artifact await(CompletableFuture<Artifact> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    // ---- the tier -----------------------------------------------------------------------------

    @Test
    void anArtifactTheTierHoldsIsReadVerifiedAndReportedAsComingFromIt() throws Exception {
        tier.put(SHA, BODY);

        Artifact got = hostA().fetch(PINNED).block();

        assertThat(got.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(Files.readAllBytes(got.path())).isEqualTo(BODY);
        assertThat(a.origin.opens()).isZero();
        assertThat(cluster.acquisitions())
                .as("no lease needed to read the tier")
                .isZero();
    }

    @Test
    void aCorruptTierCopyIsAFailedSourceAndTheOriginServesTheFetch() throws Exception {
        tier.put(SHA, Bytes.flip(BODY, 4096));
        a.origin.enqueue(ok(BODY));

        Artifact got = hostA().fetch(PINNED).block();

        assertThat(got.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(got.path())).isEqualTo(BODY);
        assertThat(tier.reads()).isEqualTo(1);
        assertThat(a.origin.opens()).isEqualTo(1);
    }

    @Test
    void aLargeTierCopyIsReadInParallelRangesThatCoverItOnce() throws Exception {
        byte[] large = Bytes.random(16 * 1024 * 1024, 43);
        Sha256 sha = Bytes.sha256(large);
        tier.put(sha, large);
        Engine host = a.open(
                Cache.builder().root(a.root()).origin(a.origin).tier(tier).connections(4), CacheFixture.allAtOnce(4));
        EventRecorder events = a.record(host);

        Artifact got = host.fetch(
                        FetchRequest.of("https://origin.test/large.bin").withSha256(sha))
                .block(Duration.ofSeconds(30));

        assertThat(got.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(Files.readAllBytes(got.path())).isEqualTo(large);
        assertThat(a.origin.opens()).isZero();
        assertThat(tier.asked().subList(1, tier.asked().size()))
                .as("after the first read, bounded ranges")
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.isBounded()).isTrue());
        assertThat(tier.bytesSent())
                .as("no byte read twice, beyond a chunk cut at each range's end")
                .isLessThan(large.length + 8L * 64 * 1024);
        assertThat(tier.reads())
                .as("the first read and one for each other connection")
                .isGreaterThanOrEqualTo(4);
        assertThat(events.of(CacheEvent.Connections.class))
                .extracting(CacheEvent.Connections::connections)
                .as("a range may end before the last one starts: 4 at once is not certain")
                .anySatisfy(open -> assertThat(open).isGreaterThanOrEqualTo(2));
    }

    @Test
    void aTruncatedTierCopyIsNotEvenRead() throws Exception {
        tier.put(SHA, Arrays.copyOf(BODY, BODY.length / 2));
        a.origin.enqueue(ok(BODY));

        Artifact got = hostA().fetch(PINNED.withSize(BODY.length)).block();

        assertThat(got.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(tier.reads()).isZero();
    }

    @Test
    void aTierThatIsDownIsLeftAloneAndEveryFetchIsServedByTheOrigin() throws Exception {
        tier.down(true);
        a.origin.serve(BODY, "\"v1\"");
        Cache host = hostA();

        Artifact first = host.fetch(PINNED).block();
        Artifact second = host.fetch(PINNED.withKey("another-name-for-it")).block();

        assertThat(first.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(cluster.acquisitions())
                .as("no lease to share what cannot be shared")
                .isZero();
    }

    @Test
    void whatOneHostDownloadsIsUploadedAndTheNextHostReadsItFromTheTier() throws Exception {
        a.origin.enqueue(ok(BODY));

        Artifact first = hostA().fetch(PINNED).block();
        Artifact second = hostB().fetch(PINNED).block();

        assertThat(first.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(Files.readAllBytes(second.path())).isEqualTo(BODY);
        assertThat(tier.bytes(SHA)).isEqualTo(BODY);
        assertThat(a.origin.opens()).isEqualTo(1);
        assertThat(cluster.held()).as("released").isEmpty();
    }

    // ---- the lease ----------------------------------------------------------------------------

    @Test
    void aSecondHostWaitsForTheHolderShowingWhoAndHowFarThenReadsItsUpload() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        a.origin.enqueue(ok(BODY).chunks(64 * 1024).pauseAfter(BODY.length / 2, gate.asMono()));
        Cache hostA = hostA();
        Cache hostB = hostB();
        EventRecorder seenByB = a.record(hostB);

        CompletableFuture<Artifact> first = hostA.fetch(PINNED).toFuture();
        Await.until(
                "host A's lease records half the download",
                () -> cluster.holder(LEASE) != null && cluster.holder(LEASE).bytes() >= BODY.length / 2);
        CompletableFuture<Artifact> second = hostB.fetch(PINNED).toFuture();
        Await.until(
                "host B shows host A's progress",
                () -> seenByB.of(CacheEvent.Progress.class).stream().anyMatch(CacheEvent.Progress::remote));
        gate.tryEmitEmpty();

        assertThat(await(first).source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(await(second).source()).isEqualTo(Artifact.Source.WAITED);
        assertThat(Files.readAllBytes(await(second).path())).isEqualTo(BODY);
        assertThat(a.origin.opens()).isEqualTo(1);
        assertThat(seenByB.of(CacheEvent.Waiting.class)).singleElement().satisfies(w -> {
            assertThat(w.holderPid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(w.holderHost()).isNotBlank();
        });
    }

    @Test
    void aLostLeaseNeverStopsADownloadAndTheHostsStillAgreeOnAnUnpinnedKey() throws Exception {
        byte[] v1 = Bytes.random(BODY.length, 1);
        byte[] v2 = Bytes.random(BODY.length, 2);
        Sinks.Empty<Void> gate = Sinks.empty();
        a.origin.enqueue(ok(v1).pauseAfter(v1.length / 2, gate.asMono()), ok(v2));
        Cache hostA = hostA();
        Cache hostB = hostB();
        CompletableFuture<Artifact> first = hostA.fetch(UNPINNED).toFuture();
        Await.until("host A has half", () -> cluster.held().size() == 1 && a.origin.bytesSent() >= v1.length / 2);

        cluster.forgetAll(); // Redis restarted: host A's lease is gone, and host B takes one.
        Artifact second = hostB.fetch(UNPINNED).block();
        gate.tryEmitEmpty();

        assertThat(second.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.sha256()).isEqualTo(Bytes.sha256(v2));
        Artifact afterLoss = await(first);
        assertThat(afterLoss.sha256()).as("host A reads what host B recorded").isEqualTo(Bytes.sha256(v2));
        assertThat(afterLoss.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(Files.readAllBytes(afterLoss.path())).isEqualTo(v2);
        assertThat(a.origin.opens()).isEqualTo(2);
        assertThat(tier.records()).hasSize(1);
    }

    @Test
    void aClusterThatIsDownCostsOnlyTheSharingOfTheDownloadAndNeverAFetch() throws Exception {
        cluster.down(true);
        a.origin.enqueue(ok(BODY));

        Artifact first = hostA().fetch(PINNED).block();
        Artifact second = hostB().fetch(PINNED).block();

        assertThat(first.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.source()).as("the tier still works").isEqualTo(Artifact.Source.TIER);
    }

    @Test
    void aClusterFailingWhileAHostWaitsSendsItToTheOrigin() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        a.origin.enqueue(ok(BODY).pauseAfter(BODY.length / 2, gate.asMono()), ok(BODY));
        Cache hostA = hostA();
        Cache hostB = hostB();
        EventRecorder seenByB = a.record(hostB);
        CompletableFuture<Artifact> first = hostA.fetch(PINNED).toFuture();
        Await.until("host A holds the lease", () -> cluster.holder(LEASE) != null);
        CompletableFuture<Artifact> second = hostB.fetch(PINNED).toFuture();
        Await.until("host B waits", () -> !seenByB.of(CacheEvent.Waiting.class).isEmpty());

        cluster.down(true);
        Artifact own = await(second);
        gate.tryEmitEmpty();

        assertThat(own.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(await(first).source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(own.path())).isEqualTo(BODY);
    }

    // ---- unpinned keys ------------------------------------------------------------------------

    @Test
    void anUnpinnedKeyNamesTheFirstHostsBytesOnEveryHost() throws Exception {
        byte[] v1 = Bytes.random(4096, 1);
        byte[] v2 = Bytes.random(4096, 2);
        a.origin.enqueue(ok(v1), ok(v2));

        Artifact first = hostA().fetch(UNPINNED).block();
        Artifact second = hostB().fetch(UNPINNED).block();

        assertThat(first.sha256()).isEqualTo(Bytes.sha256(v1));
        assertThat(second.sha256()).isEqualTo(Bytes.sha256(v1));
        assertThat(second.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(a.origin.opens()).isEqualTo(1);
        assertThat(tier.records().values()).containsExactly(new BlobTier.KeyRecord(Bytes.sha256(v1), v1.length));
    }

    @Test
    void withoutAClusterTheTiersConditionalWriteSettlesARaceAndTheLoserTakesTheWinnersBytes() throws Exception {
        byte[] v1 = Bytes.random(4096, 1);
        byte[] v2 = Bytes.random(4096, 2);
        Sinks.Empty<Void> first = Sinks.empty();
        Sinks.Empty<Void> second = Sinks.empty();
        a.origin.enqueue(ok(v1).gate(first.asMono()), ok(v2).gate(second.asMono()));
        CompletableFuture<Artifact> atA = tierOnlyA().fetch(UNPINNED).toFuture();
        Await.until("host A is downloading", () -> a.origin.opens() == 1);
        CompletableFuture<Artifact> atB = tierOnlyB().fetch(UNPINNED).toFuture();
        Await.until("host B is downloading too", () -> a.origin.opens() == 2);

        second.tryEmitEmpty();
        Artifact winner = await(atB);
        first.tryEmitEmpty();
        Artifact loser = await(atA);

        assertThat(winner.sha256()).isEqualTo(Bytes.sha256(v2));
        assertThat(loser.sha256()).isEqualTo(Bytes.sha256(v2));
        assertThat(loser.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(Files.readAllBytes(loser.path())).isEqualTo(v2);
    }

    // ---- configuration ------------------------------------------------------------------------

    @Test
    void aClusterWithoutATierIsRefusedSayingWhy() {
        assertThatThrownBy(() -> Cache.builder().root(a.root()).cluster(cluster).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("add tier(BlobTier)");
    }
}
