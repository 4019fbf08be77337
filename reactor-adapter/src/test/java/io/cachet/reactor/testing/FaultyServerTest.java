package io.cachet.reactor.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.testing.Await;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
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

    // ---- served paths: ranges, versions, rate and range faults ----

    /** A GET with headers, answered with status, Content-Range and body. */
    private Mono<Answer> answer(String path, String... headers) {
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
                        .map(b -> new Answer(
                                res.status().code(),
                                res.responseHeaders().get("Content-Range"),
                                res.responseHeaders().get("ETag"),
                                res.responseHeaders().get("Accept-Ranges"),
                                b)));
    }

    record Answer(int status, String contentRange, String etag, String acceptRanges, byte[] body) {}

    private Answer answerNow(String path, String... headers) {
        return answer(path, headers).block(WAIT);
    }

    @Test
    void servesBoundedOpenAndSuffixRangesAndSaysItAcceptsRanges() {
        server.serve("/s", BODY);

        Answer bounded = answerNow("/s", "Range", "bytes=100-199");
        assertThat(bounded.status()).isEqualTo(206);
        assertThat(bounded.contentRange()).isEqualTo("bytes 100-199/50000");
        assertThat(bounded.body()).isEqualTo(Arrays.copyOfRange(BODY, 100, 200));
        assertThat(bounded.acceptRanges()).isEqualTo("bytes");

        Answer fromZero = answerNow("/s", "Range", "bytes=0-9");
        assertThat(fromZero.contentRange()).isEqualTo("bytes 0-9/50000");
        assertThat(fromZero.body()).isEqualTo(Arrays.copyOf(BODY, 10));

        assertThat(answerNow("/s", "Range", "bytes=-10").body()).isEqualTo(Arrays.copyOfRange(BODY, 49_990, 50_000));

        Answer pastTheEnd = answerNow("/s", "Range", "bytes=49000-60000");
        assertThat(pastTheEnd.contentRange()).isEqualTo("bytes 49000-49999/50000");
        assertThat(pastTheEnd.body()).hasSize(1000);

        Answer several = answerNow("/s", "Range", "bytes=0-1,5-6");
        assertThat(several.status()).isEqualTo(200);
        assertThat(several.body()).isEqualTo(BODY);
    }

    @Test
    void countsTheBytesSentForEachRequestAndInTotal() {
        server.serve("/s", BODY);

        answerNow("/s", "Range", "bytes=0-999");
        answerNow("/s", "Range", "bytes=1000-2999");
        answerNow("/s");

        assertThat(server.requests()).extracting(RecordedRequest::bytesSent).containsExactly(1000L, 2000L, 50_000L);
        assertThat(server.bytesSent()).isEqualTo(53_000);
    }

    @Test
    void ignoresRangesAfterTheGivenNumberOfRequests() {
        server.serve("/s", Served.bytes(BODY).ignoreRangesAfter(1));

        assertThat(answerNow("/s", "Range", "bytes=10-19").status()).isEqualTo(206);
        Answer ignored = answerNow("/s", "Range", "bytes=10-19");
        assertThat(ignored.status()).isEqualTo(200);
        assertThat(ignored.body()).isEqualTo(BODY);
        assertThat(ignored.acceptRanges()).isNull();
    }

    @Test
    void servesANewVersionAfterTheGivenNumberOfRequests() {
        byte[] next = Bodies.random(40_000, 8);
        server.serve("/s", Served.bytes(BODY).newVersionAfter(1, next));
        String v1 = FaultyServer.etagOf(BODY);

        assertThat(answerNow("/s", "Range", "bytes=10-19", "If-Range", v1).status())
                .isEqualTo(206);
        Answer changed = answerNow("/s", "Range", "bytes=10-19", "If-Range", v1);
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body()).isEqualTo(next);
        assertThat(changed.etag()).isEqualTo(Served.etagOf(next, 2)).isNotEqualTo(v1);

        // The same bytes as a new version: only the validators change.
        server.serve("/t", Served.bytes(BODY).newVersionAfter(0, BODY));
        assertThat(answerNow("/t", "Range", "bytes=0-0", "If-Range", v1).status())
                .isEqualTo(200);
    }

    @Test
    void cutsTheFirstAnswerToARangeAndServesItWholeTheNextTime() {
        server.serve("/s", Served.bytes(BODY).cutRangeAfter(10_000, 1000));

        assertThat(answerNow("/s", "Range", "bytes=0-9999").body()).hasSize(10_000);
        StepVerifier.create(answer("/s", "Range", "bytes=10000-19999"))
                .expectError(IOException.class)
                .verify(WAIT);
        assertThat(answerNow("/s", "Range", "bytes=10000-19999").body())
                .isEqualTo(Arrays.copyOfRange(BODY, 10_000, 20_000));
        assertThat(server.requests()).extracting(RecordedRequest::bytesSent).containsExactly(10_000L, 1000L, 10_000L);
    }

    @Test
    void sendsAWrongByteInEveryAnswerThatHoldsIt() {
        server.serve("/s", Served.bytes(BODY).wrongByteAt(15_000));

        byte[] range = answerNow("/s", "Range", "bytes=10000-19999").body();
        assertThat(range[5000]).isEqualTo((byte) ~BODY[15_000]);
        assertThat(Arrays.copyOf(range, 5000)).isEqualTo(Arrays.copyOfRange(BODY, 10_000, 15_000));
        assertThat(answerNow("/s", "Range", "bytes=0-9999").body()).isEqualTo(Arrays.copyOf(BODY, 10_000));
        assertThat(answerNow("/s").body()[15_000]).isEqualTo((byte) ~BODY[15_000]);
    }

    @Test
    void appliesAFaultToEveryRequestItSelects() {
        server.serve(
                "/s", Served.bytes(BODY).always(asked -> asked.ranged() && asked.last() == -1, r -> r.resetAfter(10)));

        StepVerifier.create(answer("/s", "Range", "bytes=100-"))
                .expectError(IOException.class)
                .verify(WAIT);
        StepVerifier.create(answer("/s", "Range", "bytes=100-"))
                .expectError(IOException.class)
                .verify(WAIT);
        assertThat(answerNow("/s", "Range", "bytes=100-199").body()).hasSize(100);
    }

    @Test
    void limitsTheRateOfEachConnectionSoMoreConnectionsGetMoreBandwidth() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        try {
            server.pacedBy(time).serve("/s", Served.bytes(BODY).limitRate(5_000)); // 100 bytes every 20 ms
            CompletableFuture<List<byte[]>> bodies = Flux.range(0, 3)
                    .flatMap(i -> answer("/s", "Range", "bytes=" + (i * 10_000) + "-" + (i * 10_000 + 9_999)))
                    .map(Answer::body)
                    .collectList()
                    .toFuture();
            Await.until("three paced answers", () -> server.pacedAnswers() == 3);

            time.advanceTimeBy(Duration.ofSeconds(1));

            assertThat(server.requests())
                    .extracting(RecordedRequest::connection)
                    .doesNotHaveDuplicates();
            assertThat(server.requests()).extracting(RecordedRequest::bytesSent).containsOnly(5_000L);
            assertThat(server.bytesSent()).isEqualTo(15_000);
            Await.until("every range", () -> {
                time.advanceTimeBy(Duration.ofMillis(100));
                return bodies.isDone();
            });
            assertThat(bodies.join()).allSatisfy(b -> assertThat(b).hasSize(10_000));
        } finally {
            time.dispose();
        }
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
