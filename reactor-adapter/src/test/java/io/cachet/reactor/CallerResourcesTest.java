package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.reactor.testing.TestClients;
import io.cachet.spi.Origin;
import io.cachet.testing.Bytes;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * Cachet inside a service that owns its reactor-netty resources: the origin uses the caller's
 * client (pool, event loops, hooks) and creates none of its own; many fetches share one pool.
 */
class CallerResourcesTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(64 * 1024, 3);

    /** A small pool, as a service might give its outbound calls. */
    @RegisterExtension
    final TestClients small = new TestClients(8);

    @Test
    void aFetchThroughACallerOwnedClientUsesThatClientsPoolAndEventLoops() {
        AtomicInteger requests = new AtomicInteger();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        HttpClient callers = clients.client().doOnRequest((request, connection) -> {
            requests.incrementAndGet();
            threads.add(Thread.currentThread().getName());
        });
        server.enqueue(Response.ok(BODY));
        Cache cache = cache(NettyOrigin.builder(callers).build(), 0, b -> b);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        assertThat(requests).hasValue(1);
        assertThat(threads).allMatch(name -> name.startsWith(clients.threadPrefix()));
        assertHoldsOnly(BODY);
    }

    @Test
    void twoHundredConcurrentFetchesOfFiftyKeysShareOnePoolWithoutExhaustingIt() {
        for (int i = 0; i < 50; i++) {
            server.serve("/artifact-" + i, Bytes.random(20_000 + i, i));
        }
        Cache cache = cache(NettyOrigin.builder(small.client()).build(), 0, b -> b);
        List<FetchRequest> requests = java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> {
                    byte[] body = Bytes.random(20_000 + i % 50, i % 50);
                    return pinned(server.url("/artifact-" + (i % 50)), body);
                })
                .toList();

        StepVerifier.create(
                        Flux.fromIterable(requests).flatMap(cache::fetch, 200).collectList())
                .assertNext(artifacts -> {
                    assertThat(artifacts).hasSize(200);
                    assertThat(artifacts).extracting(Artifact::sha256).doesNotContainNull();
                    assertThat(artifacts.stream().map(Artifact::sha256).distinct())
                            .hasSize(50);
                })
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(50); // One download per key.
        assertThat(server.connectionCount()).isBetween(1, 8); // Never more than the pool's connections.
        assertThat(blobs()).hasSize(50);
    }

    @Test
    void aCacheWithoutOriginsFindsThisOneThroughTheServiceLoader() {
        assertThat(ServiceLoader.load(Origin.class)).hasAtLeastOneElementOfType(NettyOrigin.class);
        server.enqueue(Response.ok(BODY));
        Cache cache = fixture.open(Cache.builder().root(fixture.root()).retry(fastRetries(0)));

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertHoldsOnly(BODY);
    }
}
