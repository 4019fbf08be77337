package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@Timeout(120)
class FetchAllTest {
    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void artifactsComeBackInRequestOrderWithAtMostTheGivenConcurrency() {
        int count = 40;
        List<FetchRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(FetchRequest.of("https://origin.test/shard-" + i)
                    .withSha256(Bytes.sha256(Bytes.random(10_000 + i, i))));
        }
        AtomicInteger open = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Origin counting = new Origin() {
            @Override
            public boolean supports(URI uri) {
                return true;
            }

            @Override
            public Mono<OriginResponse> open(OriginRequest request) {
                int i = Integer.parseInt(request.uri().getPath().substring("/shard-".length()));
                byte[] body = Bytes.random(10_000 + i, i);
                return Mono.fromCallable(() -> {
                    mostAtOnce.accumulateAndGet(open.incrementAndGet(), Math::max);
                    return OriginResponse.full(
                            body.length,
                            io.cachet.spi.Validators.NONE,
                            Flux.just(java.nio.ByteBuffer.wrap(body)).doFinally(s -> open.decrementAndGet()));
                });
            }
        };
        Cache cache = fixture.open(Cache.builder().root(fixture.root()).origin(counting));

        List<Artifact> artifacts =
                cache.fetchAll(Flux.fromIterable(requests), 4).collectList().block(Duration.ofSeconds(60));

        assertThat(artifacts)
                .extracting(Artifact::key)
                .containsExactlyElementsOf(
                        requests.stream().map(FetchRequest::key).toList());
        assertThat(mostAtOnce.get()).isBetween(1, 4);
    }

    @Test
    void oneFailureDoesNotStopTheOthersAndEndsTheStreamWithThatError() {
        byte[] body = Bytes.random(5_000, 1);
        fixture.origin.enqueue(ok(body), status(404), ok(body));
        Cache cache = fixture.open();
        Flux<FetchRequest> requests = Flux.just(
                FetchRequest.of("https://origin.test/a").withKey("a"),
                FetchRequest.of("https://origin.test/b").withKey("b"),
                FetchRequest.of("https://origin.test/c").withKey("c"));

        StepVerifier.create(cache.fetchAll(requests, 1))
                .assertNext(a -> assertThat(a.key()).isEqualTo(Key.of("a")))
                .assertNext(a -> assertThat(a.key()).isEqualTo(Key.of("c")))
                .expectErrorSatisfies(
                        e -> assertThat(e).isInstanceOf(OriginException.class).hasMessageContaining("404"))
                .verify(Duration.ofSeconds(30));
    }
}
