package io.cachet.reactor;

import static io.cachet.CacheEvent.Type.COMMITTED;
import static io.cachet.CacheEvent.Type.HIT;
import static io.cachet.CacheEvent.Type.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/** The plain cases end to end: artifacts of every size, known or not, fetched once then hit. */
class DownloadTest extends EndToEnd {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, 70_000, 3 * 1024 * 1024 + 17})
    void fetchesAnArtifactOfAnySizeWithItsContentLength(int size) throws Exception {
        byte[] body = Bytes.random(size, size);
        server.enqueue(Response.ok(body));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(pinned(server.url("/a.bin"), body)))
                .assertNext(a -> assertThat(a.size()).isEqualTo(size))
                .expectComplete()
                .verify(WAIT);

        assertHoldsOnly(body);
    }

    @Test
    void fetchesAChunkedArtifactOfUnknownSizeAndReportsItsDigest() throws Exception {
        byte[] body = Bytes.random(300_000, 9);
        server.enqueue(Response.ok(body).chunked());
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(FetchRequest.of(server.url("/a.bin"))))
                .assertNext(a -> {
                    assertThat(a.sha256()).isEqualTo(sha(body));
                    assertThat(a.size()).isEqualTo(body.length);
                })
                .expectComplete()
                .verify(WAIT);

        assertHoldsOnly(body);
    }

    @Test
    void aSecondFetchIsAHitWithoutAnyRequest() throws Exception {
        byte[] body = Bytes.random(10_000, 8);
        server.enqueue(Response.ok(body));
        Cache cache = cache(0);
        EventRecorder events = record(cache);

        Artifact first = cache.fetch(pinned(server.url("/a.bin"), body)).block(WAIT);
        Artifact second = cache.fetch(pinned(server.url("/a.bin"), body)).block(WAIT);

        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(second.path()).isEqualTo(first.path());
        assertThat(Files.readAllBytes(second.path())).isEqualTo(body);
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(events.distinctTypes())
                .startsWith(STARTED)
                .contains(COMMITTED)
                .endsWith(HIT);
    }
}
