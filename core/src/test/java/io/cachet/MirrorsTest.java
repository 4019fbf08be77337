package io.cachet;

import static io.cachet.testing.Failures.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.internal.fetch.Download;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.FaultyOrigin;
import io.cachet.testing.Served;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Schedulers;

/**
 * docs/architecture.md, "Mirrors": other URIs serving a pinned artifact, used when the request's
 * own URI fails, and spread over when the artifact comes in ranges. A source that fails or serves
 * wrong bytes is dropped for the fetch, and only verified bytes are ever committed.
 */
@Timeout(120)
class MirrorsTest {
    private static final byte[] SMALL = Bytes.random(1024 * 1024, 51);
    private static final Sha256 SMALL_SHA = Bytes.sha256(SMALL);
    private static final int SIZE = 16 * 1024 * 1024;
    private static final byte[] BIG = Bytes.random(SIZE, 52);
    private static final Sha256 BIG_SHA = Bytes.sha256(BIG);
    private static final String URL = "https://origin.test/model.bin";
    private static final String MIRROR = "https://mirror.test/pub/model.bin";
    private static final Download.Parallelism FOUR_AT_ONCE = CacheFixture.allAtOnce(4);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private Engine ranged() {
        return fixture.open(fixture.builder().connections(4), FOUR_AT_ONCE);
    }

    private static Served big() {
        return Served.bytes(BIG).chunks(64 * 1024).on(Schedulers.parallel());
    }

    // ---- one stream ----------------------------------------------------------------------------------

    @Test
    void aMirrorIsUsedAtOnceWhenTheRequestsOwnUriFails() throws Exception {
        Served own = Served.bytes(SMALL).always(r -> true, r -> FaultyOrigin.Response.status(404));
        Served mirror = Served.bytes(SMALL);
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Cache cache = fixture.open();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(request(SMALL_SHA)).block(Duration.ofSeconds(30));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(SMALL);
        assertThat(own.requests()).isEqualTo(1);
        assertThat(mirror.requests()).isEqualTo(1);
        assertThat(events.of(CacheEvent.Retrying.class)).singleElement().satisfies(r -> {
            assertThat(r.delay()).isZero();
            assertThat(r.cause()).hasMessageContaining("404");
        });
        assertThat(events.of(CacheEvent.Started.class))
                .extracting(CacheEvent.Started::url)
                .containsExactly(MIRROR);
    }

    @Test
    void aRequestsOwnUriServingWrongBytesIsDroppedForAMirror() throws Exception {
        Served own = Served.bytes(SMALL).wrongByteAt(1000);
        Served mirror = Served.bytes(SMALL);
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Cache cache = fixture.open();

        Artifact artifact = cache.fetch(request(SMALL_SHA)).block(Duration.ofSeconds(30));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(SMALL);
        assertThat(own.requests()).isEqualTo(1);
        assertThat(mirror.requests()).isEqualTo(1);
        assertThat(mirror.asked().get(0).offset()).as("started over").isZero();
    }

    @Test
    void whenEverySourceServesWrongBytesNothingIsCommitted() {
        Served own = Served.bytes(SMALL).wrongByteAt(10);
        Served mirror = Served.bytes(SMALL).wrongByteAt(20);
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Cache cache = fixture.open();

        IntegrityException error = failure(cache.fetch(request(SMALL_SHA)).toFuture(), IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH);
        assertThat(own.requests()).isEqualTo(1);
        assertThat(mirror.requests()).isEqualTo(1);
        assertThat(fixture.root().resolve("blobs/sha256")).isEmptyDirectory();
    }

    @Test
    void callerHeadersGoToTheRequestsOwnUriAndNeverToAMirror() {
        Served own = Served.bytes(SMALL).always(r -> true, r -> FaultyOrigin.Response.status(503));
        Served mirror = Served.bytes(SMALL);
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Cache cache = fixture.open();

        cache.fetch(request(SMALL_SHA).withHeader("Authorization", "Bearer s3cret"))
                .block(Duration.ofSeconds(30));

        assertThat(own.asked())
                .singleElement()
                .satisfies(r -> assertThat(r.headers()).containsEntry("Authorization", "Bearer s3cret"));
        assertThat(mirror.asked())
                .singleElement()
                .satisfies(r -> assertThat(r.headers()).isEmpty());
    }

    @Test
    void aMirrorWhoseSchemeNoOriginServesIsRefusedBeforeAnyRequest() {
        Cache cache = fixture.open();

        InvalidRequestException error = failure(
                cache.fetch(FetchRequest.of(URL)
                                .withSha256(SMALL_SHA)
                                .withMirrors(URI.create("file:///srv/mirror/model.bin")))
                        .toFuture(),
                InvalidRequestException.class);

        assertThat(error).hasMessageContaining("Origin.files()");
        assertThat(fixture.origin.opens()).isZero();
    }

    @Test
    void mirrorsWithoutAPinnedDigestAreRefusedBeforeAnyRequest() {
        Cache cache = fixture.open();

        InvalidRequestException error = failure(
                cache.fetch(FetchRequest.of(URL).withMirrors(URI.create(MIRROR)))
                        .toFuture(),
                InvalidRequestException.class);

        assertThat(error).hasMessageContaining("pin the SHA-256");
        assertThat(fixture.origin.opens()).isZero();
    }

    // ---- ranges --------------------------------------------------------------------------------------

    @Test
    void rangesSpreadOverEverySourceThatAnswersAndCredentialsStayWithTheirOwn() throws Exception {
        Served own = big();
        Served mirror = big();
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Engine cache = ranged();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(request(BIG_SHA).withHeader("Authorization", "Bearer s3cret"))
                .block(Duration.ofSeconds(60));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BIG);
        assertThat(own.bytesSent()).isPositive();
        assertThat(mirror.bytesSent()).isPositive();
        assertThat(own.bytesSent() + mirror.bytesSent()).isLessThan(SIZE + 8L * 64 * 1024);
        assertThat(own.asked()).allSatisfy(r -> assertThat(r.headers()).containsKey("Authorization"));
        assertThat(mirror.asked()).allSatisfy(r -> assertThat(r.headers()).isEmpty());
        assertThat(events.of(CacheEvent.Connections.class))
                .extracting(CacheEvent.Connections::sources)
                .contains(List.of(URL, MIRROR));
    }

    @Test
    void aMirrorServingWrongBytesInRangesNeverReachesTheFinalPath() throws Exception {
        Served own = big();
        Served mirror = Served.bytes(Bytes.random(SIZE, 53)).chunks(64 * 1024).on(Schedulers.parallel()); // All wrong.
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Engine cache = ranged();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(request(BIG_SHA)).block(Duration.ofSeconds(60));

        assertThat(artifact.sha256()).isEqualTo(BIG_SHA);
        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BIG);
        assertThat(mirror.requests()).isPositive();
        assertThat(events.of(CacheEvent.Retrying.class))
                .anySatisfy(r -> assertThat(r.cause()).isInstanceOf(IntegrityException.class));
    }

    @Test
    void theRangesOfASourceThatFallsFarBehindMoveToTheOthers() throws Exception {
        Served slow = Served.bytes(BIG).delayEachChunk(Duration.ofMillis(20), Schedulers.parallel());
        Served fast = big();
        fixture.origin.serve(URL, slow).serve(MIRROR, fast);
        Engine cache = ranged();

        Artifact artifact = cache.fetch(request(BIG_SHA)).block(Duration.ofSeconds(100));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BIG);
        assertThat(slow.bytesSent()).as("bytes from the slow source").isLessThan(SIZE / 4);
        assertThat(fast.bytesSent()).isGreaterThan(SIZE / 2);
    }

    @Test
    void aFailingMirrorIsDroppedAndItsRangeGoesToAnotherSourceAtOnce() throws Exception {
        Served own = big();
        Served mirror = big().always(OriginRequest::isBounded, r -> FaultyOrigin.Response.status(500));
        fixture.origin.serve(URL, own).serve(MIRROR, mirror);
        Engine cache = ranged();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(request(BIG_SHA)).block(Duration.ofSeconds(60));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BIG);
        List<CacheEvent.Retrying> retries = events.of(CacheEvent.Retrying.class);
        assertThat(mirror.requests())
                .as("only the ranges asked before the first failure; none after")
                .isBetween(1, 2)
                .isEqualTo(retries.size());
        assertThat(retries).allSatisfy(r -> assertThat(r.delay()).isZero());
    }

    private static FetchRequest request(Sha256 sha) {
        return FetchRequest.of(URL).withSha256(sha).withMirrors(URI.create(MIRROR));
    }
}
