package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.internal.fetch.Download;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.Served;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Schedulers;

/**
 * docs/architecture.md, "Parallel ranges": a large artifact from an origin that serves ranges is
 * fetched over several connections into one part file, and the result is the same verified file.
 * These run against the in-memory origin; the HTTP server's versions are in cachet-reactor.
 */
@Timeout(120)
class ParallelRangesTest {
    private static final int SIZE = 16 * 1024 * 1024;
    private static final byte[] BODY = Bytes.random(SIZE, 41);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final String URL = "https://origin.test/model.bin";
    private static final Download.Parallelism FOUR_AT_ONCE = CacheFixture.allAtOnce(4);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private Engine cache() {
        return fixture.open(fixture.builder().connections(4), FOUR_AT_ONCE);
    }

    private static Served served() {
        return Served.bytes(BODY).chunks(64 * 1024).on(Schedulers.parallel());
    }

    @Test
    void aLargeArtifactIsFetchedInRangesThatCoverItExactlyOnce() throws Exception {
        Served origin = served();
        fixture.origin.serve(URL, origin);
        Engine cache = cache();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(60));

        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<OriginRequest> asked = origin.asked();
        assertThat(asked.get(0).isBounded())
                .as("the first request is for everything")
                .isFalse();
        assertThat(asked.subList(1, asked.size()))
                .as("then bounded ranges")
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.isBounded()).isTrue());
        assertThat(origin.bytesSent())
                .as("no byte fetched twice, beyond a chunk cut at each range's end")
                .isLessThan(SIZE + 8L * 64 * 1024);
        List<CacheEvent.Connections> connections = events.of(CacheEvent.Connections.class);
        assertThat(asked)
                .as("the first request and one for each other connection")
                .hasSizeGreaterThanOrEqualTo(4);
        assertThat(connections)
                .extracting(CacheEvent.Connections::connections)
                .as("a range may end before the last one starts: 4 at once is not certain")
                .anySatisfy(open -> assertThat(open).isGreaterThanOrEqualTo(2));
        assertThat(connections.get(connections.size() - 1).connections()).isZero();
        assertThat(events.distinctTypes()).startsWith(CacheEvent.Type.STARTED).endsWith(CacheEvent.Type.COMMITTED);
    }

    @Test
    void unpinnedArtifactsUseRangesOnlyWithValidatorsToTieThemToOneVersion() throws Exception {
        Served withEtag = served();
        fixture.origin.serve(URL, withEtag);
        Engine cache = cache();

        Artifact artifact = cache.fetch(FetchRequest.of(URL)).block(Duration.ofSeconds(60));

        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(withEtag.asked())
                .as("every range asked with If-Range")
                .filteredOn(OriginRequest::isBounded)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.validators().ifRange()).isEqualTo("\"v1\""));
    }

    @Test
    void smallArtifactsStayOneRequestByDefault() {
        byte[] small = Bytes.random(3 * 1024 * 1024, 42);
        Served origin = Served.bytes(small);
        fixture.origin.serve(URL, origin);
        Cache cache = fixture.open(); // Connections chosen by size.

        cache.fetch(FetchRequest.of(URL).withSha256(Bytes.sha256(small))).block(Duration.ofSeconds(60));

        assertThat(origin.requests()).isEqualTo(1);
    }

    @Test
    void oneConnectionTurnsRangesOff() {
        Served origin = served();
        fixture.origin.serve(URL, origin);
        Cache cache = fixture.open(fixture.builder().connections(1));

        cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(60));

        assertThat(origin.requests()).isEqualTo(1);
    }

    @Test
    void aRangeCutMidwayIsAskedForAgainAloneFromWhereItBroke() throws Exception {
        Served origin = served().once(OriginRequest::isBounded, r -> r.disconnectAfter(100_000));
        fixture.origin.serve(URL, origin);
        Engine cache = cache();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(60));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<OriginRequest> asked = origin.asked();
        OriginRequest cut =
                asked.stream().filter(OriginRequest::isBounded).findFirst().orElseThrow();
        assertThat(asked).as("the rest of the cut range, asked for alone").anySatisfy(r -> {
            assertThat(r.offset()).isEqualTo(cut.offset() + 100_000);
            assertThat(r.isBounded()).isTrue();
            assertThat(r.end()).isLessThanOrEqualTo(cut.end());
        });
        assertThat(origin.bytesSent()).as("nothing else fetched again").isLessThan(SIZE + 8L * 64 * 1024);
        assertThat(events.of(CacheEvent.Retrying.class)).hasSize(1);
    }

    @Test
    void anOriginThatStopsServingRangesMidDownloadEndsAsOneStreamWithTheRightBytes() throws Exception {
        Served origin = served().ignoreRangesAfter(2);
        fixture.origin.serve(URL, origin);
        Engine cache = cache();

        Artifact artifact = cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(60));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<OriginRequest> asked = origin.asked();
        assertThat(asked.get(asked.size() - 1).isBounded())
                .as("the last request is one stream")
                .isFalse();
    }

    @Test
    void anArtifactThatChangesMidDownloadStartsOverAsOneStream() throws Exception {
        Served origin = served().newVersionAfter(2, "\"v2\"");
        fixture.origin.serve(URL, origin);
        Engine cache = cache();

        Artifact artifact = cache.fetch(FetchRequest.of(URL)).block(Duration.ofSeconds(60));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        OriginRequest last = origin.asked().get(origin.requests() - 1);
        assertThat(last.offset()).as("started over").isZero();
        assertThat(last.isBounded()).isFalse();
        assertThat(last.validators().isEmpty()).isTrue();
    }
}
