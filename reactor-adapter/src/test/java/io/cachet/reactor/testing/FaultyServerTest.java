package io.cachet.reactor.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;
import reactor.util.function.Tuple2;
import reactor.util.function.Tuples;

/** The fixture does what it claims, seen through a plain reactor-netty client. */
@Timeout(30)
class FaultyServerTest {
    private static final byte[] BODY = Bodies.random(50_000, 7);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @RegisterExtension
    final TestClients clients = new TestClients();

    private Mono<Tuple2<Integer, byte[]>> get(String path, String... headers) {
        return clients.client()
                .headers(h -> {
                    for (int i = 0; i < headers.length; i += 2) {
                        h.set(headers[i], headers[i + 1]);
                    }
                })
                .get()
                .uri(server.url(path))
                .responseSingle((res, body) -> body.asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .map(b -> Tuples.of(res.status().code(), b)));
    }

    @Test
    void answersWithTheEnqueuedResponsesInOrderAndRecordsEachRequest() {
        server.enqueue(Response.ok(BODY)).enqueue(Response.status(404));

        StepVerifier.create(get("/a?x=1", "Authorization", "Bearer t"))
                .assertNext(t -> {
                    assertThat(t.getT1()).isEqualTo(200);
                    assertThat(t.getT2()).isEqualTo(BODY);
                })
                .verifyComplete();
        StepVerifier.create(get("/b"))
                .assertNext(t -> assertThat(t.getT1()).isEqualTo(404))
                .verifyComplete();

        RecordedRequest first = server.takeRequest();
        assertThat(first.target()).isEqualTo("/a?x=1");
        assertThat(first.path()).isEqualTo("/a");
        assertThat(first.header("authorization")).isEqualTo("Bearer t");
        assertThat(first.bytesSent()).isEqualTo(BODY.length);
        assertThat(server.takeRequest().target()).isEqualTo("/b");
    }

    @Test
    void servesRangesAndTheWholeBodyWhenIfRangeNamesAnotherVersion() {
        server.serve("/s", BODY);
        String etag = FaultyServer.etagOf(BODY);

        StepVerifier.create(get("/s", "Range", "bytes=49990-", "If-Range", etag))
                .assertNext(t -> {
                    assertThat(t.getT1()).isEqualTo(206);
                    assertThat(t.getT2()).isEqualTo(Arrays.copyOfRange(BODY, 49_990, BODY.length));
                })
                .verifyComplete();
        StepVerifier.create(get("/s", "Range", "bytes=10-", "If-Range", "\"old\""))
                .assertNext(t -> {
                    assertThat(t.getT1()).isEqualTo(200);
                    assertThat(t.getT2()).isEqualTo(BODY);
                })
                .verifyComplete();
        StepVerifier.create(get("/s", "Range", "bytes=50000-"))
                .assertNext(t -> assertThat(t.getT1()).isEqualTo(416))
                .verifyComplete();
    }

    @Test
    void disconnectsMidBody() {
        server.enqueue(Response.ok(BODY).disconnectAfter(1000));

        StepVerifier.create(get("/a")).expectError(IOException.class).verify(WAIT);
        assertThat(server.takeRequest().bytesSent()).isEqualTo(1000);
    }

    @Test
    void resetsMidBody() {
        server.enqueue(Response.ok(BODY).resetAfter(1000));

        StepVerifier.create(get("/a")).expectError(IOException.class).verify(WAIT);
    }

    @Test
    void stallsMidBodyAfterDeliveringTheFirstBytesWithTheConnectionOpen() {
        server.enqueue(Response.ok(BODY).stallAfter(1000));
        Flux<Long> totals = clients.client()
                .get()
                .uri(server.url("/a"))
                .responseConnection((res, conn) -> conn.inbound().receive().map(b -> (long) b.readableBytes()))
                .scan(0L, Long::sum)
                .skip(1);

        StepVerifier.create(totals.timeout(Duration.ofMillis(500)))
                .thenConsumeWhile(total -> total < 1000)
                .expectNext(1000L)
                .expectError(TimeoutException.class) // Neither more bytes nor a close.
                .verify(WAIT);
    }

    @Test
    void tricklesEachSliceSeparately() {
        server.enqueue(Response.ok(Arrays.copyOf(BODY, 5)).trickle(1, Duration.ofMillis(20)));
        Flux<Integer> slices = clients.client()
                .get()
                .uri(server.url("/a"))
                .responseConnection((res, conn) -> conn.inbound().receive().map(b -> b.readableBytes()));

        StepVerifier.create(slices.collectList())
                .assertNext(reads -> {
                    assertThat(reads.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
                    assertThat(reads).hasSizeGreaterThan(1); // Over time, not in one piece.
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void closesBeforeAnswering() {
        server.enqueue(Response.ok(BODY).disconnectAtStart());

        StepVerifier.create(get("/a"))
                .expectErrorMessage("Connection prematurely closed BEFORE response")
                .verify(WAIT);
    }

    @Test
    void flipsOneByte() {
        server.enqueue(Response.ok(BODY).flipByte(3));

        StepVerifier.create(get("/a"))
                .assertNext(t -> {
                    assertThat(t.getT2()).hasSameSizeAs(BODY).isNotEqualTo(BODY);
                    assertThat(t.getT2()[3]).isEqualTo((byte) ~BODY[3]);
                })
                .verifyComplete();
    }

    @Test
    void anUnexpectedRequestGetsA500AndFailsTheTest() {
        FaultyServer alone = new FaultyServer().start();
        try {
            StepVerifier.create(clients.client()
                            .get()
                            .uri(alone.url("/nothing"))
                            .response()
                            .map(r -> r.status().code()))
                    .expectNext(500)
                    .verifyComplete();
            assertThat(alone.takeRequest().unexpected()).isTrue();
        } finally {
            assertThatThrownBy(() -> alone.afterEach(null))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("no response was scripted");
        }
    }

    @Test
    void actsAsAProxyForConnect() {
        server.enqueue(Response.ok(BODY));
        HttpClient viaProxy = clients.client()
                .resolver(io.netty.resolver.NoopAddressResolverGroup.INSTANCE)
                .proxy(p -> p.type(reactor.netty.transport.ProxyProvider.Proxy.HTTP)
                        .host("127.0.0.1")
                        .port(server.port())
                        .nonProxyHostsPredicate(a -> false));

        StepVerifier.create(viaProxy.get().uri("http://artifacts.test/a").responseSingle((r, b) -> b.asByteArray()))
                .assertNext(bytes -> assertThat(bytes).isEqualTo(BODY))
                .verifyComplete();

        RecordedRequest connect = server.takeRequest();
        assertThat(connect.method()).isEqualTo("CONNECT");
        assertThat(connect.target()).isEqualTo("artifacts.test:80");
        assertThat(server.takeRequest().header("Host")).isEqualTo("artifacts.test");
    }

    @Test
    void leakDetectionFailsOnABufferNeverReleased() {
        assertThat(LeakDetection.level()).hasToString("PARANOID");
        leakOneBuffer();

        // Netty's reference queue may be drained after our canary's: allow a few collections.
        assertThatThrownBy(() -> {
                    for (int i = 0; i < 10; i++) {
                        LeakDetection.assertNoLeaks();
                    }
                })
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("leaked");
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(16);
        leaked.writeBytes("never released".getBytes(StandardCharsets.US_ASCII));
    }
}
