package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.refused;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** Offline mode: hits as usual, a miss fails at once without asking any origin or waiting for a lock. */
@Timeout(60)
class OfflineTest {
    private static final byte[] BODY = Bytes.random(64 * 1024, 15);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final String URL = "https://origin.test/model.bin";

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private Cache offline() {
        return fixture.open(fixture.builder().offline(true));
    }

    @Test
    void anOfflineMissFailsAtOnceNamingTheArtifactAndHowToGoOnlineWithoutAskingAnyOrigin() throws Exception {
        Cache cache = offline();
        EventRecorder events = fixture.record(cache);

        StepVerifier.create(cache.fetch(FetchRequest.of(URL + "?token=s3cr3t").withKey("model")))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(OfflineException.class);
                    OfflineException offline = (OfflineException) e;
                    assertThat(offline.key()).isEqualTo(Key.of("model"));
                    assertThat(offline.isTransient()).isFalse();
                    assertThat(e.getMessage())
                            .contains("model (" + URL + "?...) is not in the cache", "the cache is offline")
                            .contains("no origin was asked", "offline(false)")
                            .doesNotContain("s3cr3t");
                })
                .verify(Duration.ofSeconds(10));

        assertThat(fixture.origin.opens()).isZero();
        assertThat(events.types()).containsExactly(CacheEvent.Type.FAILED);
        try (Stream<Path> locks = Files.list(fixture.root().resolve("locks"))) {
            assertThat(locks).as("no lock was taken, so none was waited for").isEmpty();
        }
    }

    @Test
    void anOfflineMissDoesNotWaitForAnotherCallerDownloadingTheSameKey() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache online = fixture.open();
        var downloading = online.fetch(FetchRequest.of(URL).withSha256(SHA)).toFuture();
        Await.until("the online cache holds the key's lock", () -> fixture.origin.opens() == 1);

        StepVerifier.create(offline().fetch(FetchRequest.of(URL).withSha256(SHA)))
                .expectError(OfflineException.class)
                .verify(Duration.ofSeconds(10));

        gate.tryEmitEmpty();
        assertThat(downloading.join().source()).isEqualTo(Artifact.Source.DOWNLOADED);
    }

    @Test
    void anOfflineCacheServesWhatIsCachedIncludingUnpinnedKeysAndBytesPinnedUnderAnotherKey() {
        fixture.origin.enqueue(ok(BODY));
        Artifact recorded = fixture.open().fetch(FetchRequest.of(URL)).block(Duration.ofSeconds(10));
        Cache cache = offline();
        Artifact unpinned = cache.fetch(FetchRequest.of(URL)).block(Duration.ofSeconds(10));
        Artifact pinnedNow = cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(10));
        Artifact otherKey = cache.fetch(FetchRequest.of("https://mirror.test/m.bin")
                        .withSha256(SHA)
                        .withKey("copy"))
                .block(Duration.ofSeconds(10));
        assertThat(unpinned.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(pinnedNow.path()).isEqualTo(recorded.path());
        assertThat(otherKey.path()).isEqualTo(recorded.path());
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void aVerifiedHitThatTurnsOutDamagedFailsOfflineInsteadOfDownloading() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Path blob = fixture.open()
                .fetch(FetchRequest.of(URL).withSha256(SHA))
                .block(Duration.ofSeconds(10))
                .path();
        blob.toFile().setWritable(true);
        Files.write(blob, Bytes.flip(BODY, 100));

        StepVerifier.create(offline().fetch(FetchRequest.of(URL).withSha256(SHA).withVerifyHit(true)))
                .expectError(OfflineException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(fixture.origin.opens()).isEqualTo(1);
        assertThat(blob).as("quarantined").doesNotExist();
    }

    // ---- online, but no origin reachable --------------------------------------------------------

    @Test
    void anOriginThatCannotBeReachedAtAllIsSaidSoWithOfflineModeMentioned() {
        fixture.origin.enqueue(refused(), refused());
        Cache cache = fixture.open(fixture.builder()
                .retry(RetryPolicy.defaults()
                        .withMaxRetries(1)
                        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(1))));

        StepVerifier.create(cache.fetch(FetchRequest.of(URL)))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(OriginException.class);
                    assertThat(((OriginException) e).isUnreachable()).isTrue();
                    assertThat(e.getMessage())
                            .contains("could not be reached at all", "not in the cache", "offline mode")
                            .contains("offline(true)");
                })
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void anOriginThatAnswersWithAnErrorIsNotCalledUnreachable() {
        fixture.origin.enqueue(status(404));
        Cache cache = fixture.open();

        StepVerifier.create(cache.fetch(FetchRequest.of(URL)))
                .expectErrorSatisfies(e -> {
                    assertThat(((OriginException) e).isUnreachable()).isFalse();
                    assertThat(e.getMessage()).contains("check the URL").doesNotContain("offline");
                })
                .verify(Duration.ofSeconds(10));
    }
}
