package io.cachet;

import static io.cachet.CacheEvent.Type.COMMITTED;
import static io.cachet.CacheEvent.Type.HIT;
import static io.cachet.CacheEvent.Type.PROGRESS;
import static io.cachet.CacheEvent.Type.STARTED;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.TestTimer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(120)
class FetchTest {
    private static final byte[] BODY = Bytes.random(3 * 1024 * 1024 + 17, 1);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void downloadsVerifiesAndCommitsAnArtifactWithItsEvents() throws Exception {
        fixture.origin.enqueue(ok(BODY).etag("\"v1\""));
        Cache cache = fixture.open();
        EventRecorder events = fixture.record(cache);

        Artifact artifact = cache.fetch(
                        FetchRequest.of("https://origin.test/model.bin").withSha256(SHA))
                .block(Duration.ofSeconds(30));

        assertThat(artifact.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(artifact.size()).isEqualTo(BODY.length);
        assertThat(artifact.path())
                .isEqualTo(cache.root().resolve("blobs/sha256/" + SHA.hex().substring(0, 2) + "/" + SHA.hex()));
        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        assertThat(events.distinctTypes()).containsExactly(STARTED, PROGRESS, COMMITTED);
    }

    @Test
    void secondFetchIsAHitThatNeverTouchesTheOrigin() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/model.bin").withSha256(SHA);
        Artifact first = cache.fetch(request).block(Duration.ofSeconds(30));
        EventRecorder events = fixture.record(cache);

        Artifact second = cache.fetch(request).block(Duration.ofSeconds(30));

        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(second.path()).isEqualTo(first.path());
        assertThat(fixture.origin.opens()).isEqualTo(1);
        assertThat(events.types()).containsExactly(HIT);
    }

    @Test
    void progressIsReportedFromTheFirstBytesWrittenNotOnlyAtTheEnd() throws Exception {
        int chunk = 64 * 1024;
        byte[] body = Bytes.random(4 * chunk, 2);
        TestTimer timer = new TestTimer();
        fixture.origin.enqueue(ok(body).chunks(chunk).delayEachChunk(Duration.ofSeconds(1), timer));
        Cache cache = fixture.open(fixture.builder().timer(timer).writeBufferSize(chunk));
        EventRecorder events = fixture.record(cache);

        CompletableFuture<Artifact> result = cache.fetch(
                        FetchRequest.of("https://origin.test/slow.bin").withSha256(Bytes.sha256(body)))
                .toFuture();
        timer.awaitDelay(Duration.ofSeconds(1));
        timer.advance(Duration.ofSeconds(1));

        Await.until(
                "progress for the first chunk",
                () -> !events.of(CacheEvent.Progress.class).isEmpty());
        assertThat(events.of(CacheEvent.Progress.class).get(0).bytes()).isEqualTo(chunk);
        for (int i = 1; i < 4; i++) {
            timer.awaitDelay(Duration.ofSeconds(1));
            timer.advance(Duration.ofSeconds(1));
        }
        assertThat(result.get(10, TimeUnit.SECONDS).sha256()).isEqualTo(Bytes.sha256(body));
    }
}
