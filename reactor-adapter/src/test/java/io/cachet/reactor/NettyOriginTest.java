package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.testing.Bodies;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RawServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.reactor.testing.Served;
import io.cachet.reactor.testing.TestClients;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

@Timeout(30)
class NettyOriginTest {
    private static final byte[] BODY = Bodies.random(100_000, 1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @RegisterExtension
    final FaultyServer other = new FaultyServer();

    @RegisterExtension
    final TestClients clients = new TestClients();

    @RegisterExtension
    final TestClients oneConnection = new TestClients(1);

    @RegisterExtension
    final RawServer raw = new RawServer();

    private NettyOrigin origin() {
        return NettyOrigin.builder(clients.client()).build();
    }

    private static Req request(URI uri) {
        return new Req(uri, Map.of());
    }

    /** A fresh request with headers, built up fluently. */
    record Req(URI uri, Map<String, String> headers) {
        Req withHeader(String name, String value) {
            Map<String, String> more = new java.util.HashMap<>(headers);
            more.put(name, value);
            return new Req(uri, more);
        }

        OriginRequest toRequest() {
            return new OriginRequest(uri, 0, OriginRequest.TO_THE_END, Validators.NONE, headers, -1);
        }
    }

    /** A response with its body, read as the engine reads it. */
    record Received(OriginResponse response, byte[] body) {}

    private static reactor.core.publisher.Mono<Received> receive(NettyOrigin origin, OriginRequest request) {
        return origin.open(request).flatMap(r -> Bodies.read(r.body()).map(bytes -> new Received(r, bytes)));
    }

    private static reactor.core.publisher.Mono<Received> receive(NettyOrigin origin, Req request) {
        return receive(origin, request.toRequest());
    }

    private static reactor.core.publisher.Mono<OriginResponse> open(NettyOrigin origin, Req request) {
        return origin.open(request.toRequest());
    }

    private static reactor.core.publisher.Mono<OriginResponse> open(NettyOrigin origin, OriginRequest request) {
        return origin.open(request);
    }

    private static OriginRequest resume(URI uri, long offset, Validators v) {
        return new OriginRequest(uri, offset, OriginRequest.TO_THE_END, v, Map.of(), -1);
    }

    // ---- requests ----

    @Test
    void asksForIdentityEncodingAndNoRangeForAFreshDownload() {
        server.enqueue(Response.ok(BODY));

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))).flatMap(r -> Bodies.read(r.body())))
                .assertNext(bytes -> assertThat(bytes).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        var recorded = server.takeRequest();
        assertThat(recorded.method()).isEqualTo("GET");
        assertThat(recorded.target()).isEqualTo("/a.bin");
        assertThat(recorded.header("Accept-Encoding")).isEqualTo("identity");
        assertThat(recorded.header("Range")).isNull();
        assertThat(recorded.header("If-Range")).isNull();
    }

    @Test
    void mapsA200ToTheWholeArtifactWithItsLengthAndValidators() {
        server.enqueue(Response.ok(BODY).etag("\"v1\"").lastModified("Tue, 01 Apr 2025 10:00:00 GMT"));

        StepVerifier.create(receive(origin(), request(server.url("/a.bin"))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.FULL);
                    assertThat(r.response().length()).isEqualTo(BODY.length);
                    assertThat(r.response().validators())
                            .isEqualTo(new Validators("\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT"));
                    assertThat(r.body()).isEqualTo(BODY);
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aResumeSendsRangeAndIfRangeAndGetsTheRest() {
        server.serve("/a.bin", BODY);
        String etag = FaultyServer.etagOf(BODY);

        StepVerifier.create(receive(origin(), resume(server.url("/a.bin"), 40_000, new Validators(etag, null))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.PARTIAL);
                    assertThat(r.response().offset()).isEqualTo(40_000);
                    assertThat(r.response().length()).isEqualTo(BODY.length);
                    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(BODY, 40_000, BODY.length));
                })
                .expectComplete()
                .verify(WAIT);

        var recorded = server.takeRequest();
        assertThat(recorded.header("Range")).isEqualTo("bytes=40000-");
        assertThat(recorded.header("If-Range")).isEqualTo(etag);
    }

    // ---- bounded ranges ----

    private static OriginRequest range(URI uri, long offset, long end, Validators v) {
        return OriginRequest.of(uri).withRange(offset, end, v);
    }

    private static void assertUnusableRange(Throwable e, String message) {
        assertThat(e).isInstanceOf(OriginFailure.class).hasMessageContaining(message);
        assertThat(((OriginFailure) e).isUnusableRange()).isTrue();
        assertThat(((OriginFailure) e).isTransient()).isTrue();
    }

    @Test
    void aBoundedRangeAsksForExactlyItsBytesWithIfRangeAndGetsThem() {
        server.serve("/a.bin", BODY);
        String etag = FaultyServer.etagOf(BODY);

        StepVerifier.create(receive(origin(), range(server.url("/a.bin"), 4096, 8192, new Validators(etag, null))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.PARTIAL);
                    assertThat(r.response().offset()).isEqualTo(4096);
                    assertThat(r.response().length()).isEqualTo(BODY.length);
                    assertThat(r.response().acceptsRanges()).isTrue();
                    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(BODY, 4096, 8192));
                })
                .expectComplete()
                .verify(WAIT);

        var recorded = server.takeRequest();
        assertThat(recorded.header("Range")).isEqualTo("bytes=4096-8191");
        assertThat(recorded.header("If-Range")).isEqualTo(etag);
    }

    @Test
    void aBoundedRangeFromZeroIsARangeRequestToo() {
        server.serve("/a.bin", BODY);

        StepVerifier.create(receive(origin(), range(server.url("/a.bin"), 0, 1000, Validators.NONE)))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.PARTIAL);
                    assertThat(r.response().offset()).isZero();
                    assertThat(r.body()).isEqualTo(Arrays.copyOf(BODY, 1000));
                })
                .expectComplete()
                .verify(WAIT);

        var recorded = server.takeRequest();
        assertThat(recorded.header("Range")).isEqualTo("bytes=0-999");
        assertThat(recorded.header("If-Range")).isNull();
    }

    @Test
    void aBoundedRangePastTheEndGetsTheBytesUpToTheEnd() {
        server.serve("/a.bin", BODY);

        StepVerifier.create(receive(origin(), range(server.url("/a.bin"), 99_000, 120_000, Validators.NONE)))
                .assertNext(r -> assertThat(r.body()).isEqualTo(Arrays.copyOfRange(BODY, 99_000, BODY.length)))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aBoundedRangeAnsweredWithTheWholeArtifactStaysFullForTheEngineToFallBack() {
        server.serve("/a.bin", Served.bytes(BODY).ignoreRangesAfter(0));

        StepVerifier.create(receive(origin(), range(server.url("/a.bin"), 4096, 8192, Validators.NONE)))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.FULL);
                    assertThat(r.response().offset()).isZero();
                    assertThat(r.response().acceptsRanges()).isFalse();
                    assertThat(r.body()).isEqualTo(BODY);
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aBoundedRangeOfAVersionThatChangedGetsTheNewVersionWhole() {
        byte[] next = Bodies.random(90_000, 2);
        server.serve("/a.bin", Served.bytes(BODY).newVersionAfter(0, next));

        StepVerifier.create(receive(
                        origin(),
                        range(server.url("/a.bin"), 4096, 8192, new Validators(FaultyServer.etagOf(BODY), null))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.FULL);
                    assertThat(r.response().validators().etag()).isEqualTo(Served.etagOf(next, 2));
                    assertThat(r.body()).isEqualTo(next);
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aServerThatSaysItAcceptsRangesIsSeenToOnAFullAnswer() {
        server.serve("/a.bin", BODY).enqueue(Response.ok(BODY));

        StepVerifier.create(receive(origin(), request(server.url("/b.bin"))))
                .assertNext(r -> assertThat(r.response().acceptsRanges()).isFalse())
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(receive(origin(), request(server.url("/a.bin"))))
                .assertNext(r -> assertThat(r.response().acceptsRanges()).isTrue())
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aPartialAnswerForAnotherRangeIsAnUnusableRange() {
        server.enqueue(Response.range(BODY, 0, 3999).etag("\"v1\""));

        StepVerifier.create(open(origin(), range(server.url("/a.bin"), 4096, 8192, new Validators("\"v1\"", null))))
                .expectErrorSatisfies(e ->
                        assertUnusableRange(e, "sent 'bytes 0-3999/100000' for the range bytes=4096-8191 asked for"))
                .verify(WAIT);
    }

    @Test
    void aResumeWhoseRangeEndsPastTheLengthIsAnUnusableRange() {
        server.enqueue(Response.status(206)
                .header("Content-Range", "bytes 60000-100009/100005")
                .body(Arrays.copyOfRange(BODY, 60_000, BODY.length)));

        StepVerifier.create(open(origin(), resume(server.url("/a.bin"), 60_000, Validators.NONE)))
                .expectErrorSatisfies(e -> assertUnusableRange(e, "unusable Content-Range 'bytes 60000-100009/100005'"))
                .verify(WAIT);
    }

    @Test
    void anUnparsableContentRangeIsAnUnusableRange() {
        server.enqueue(
                Response.status(206).header("Content-Range", "lines 1-2/3").body(new byte[3]));

        StepVerifier.create(open(origin(), resume(server.url("/a.bin"), 1, Validators.NONE)))
                .expectErrorSatisfies(e -> assertUnusableRange(e, "unusable Content-Range 'lines 1-2/3'"))
                .verify(WAIT);
    }

    @Test
    void severalRangesInOneAnswerAreAnUnusableRange() {
        server.enqueue(Response.status(206)
                .header("Content-Type", "multipart/byteranges; boundary=x")
                .body("--x--".getBytes(StandardCharsets.US_ASCII)));

        StepVerifier.create(open(origin(), range(server.url("/a.bin"), 0, 10, Validators.NONE)))
                .expectErrorSatisfies(e -> assertUnusableRange(e, "several ranges"))
                .verify(WAIT);
    }

    @Test
    void aChunkedRangeWithMoreBytesThanItsContentRangeFailsAsAnUnusableRange() {
        server.enqueue(Response.status(206)
                .header("Content-Range", "bytes 10-19/100")
                .body(Arrays.copyOfRange(BODY, 10, 30))
                .chunked());

        StepVerifier.create(open(origin(), range(server.url("/a.bin"), 10, 20, Validators.NONE))
                        .flatMap(r -> Bodies.read(r.body())))
                .expectErrorSatisfies(e -> assertUnusableRange(e, "more than the 10 bytes of its Content-Range"))
                .verify(WAIT);
    }

    @Test
    void aChunkedRangeThatEndsShortFailsLikeATruncatedBody() {
        server.enqueue(Response.status(206)
                .header("Content-Range", "bytes 10-19/100")
                .body(Arrays.copyOfRange(BODY, 10, 15))
                .chunked());

        StepVerifier.create(open(origin(), range(server.url("/a.bin"), 10, 20, Validators.NONE))
                        .flatMap(r -> Bodies.read(r.body())))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("ended after 5 of the 10 bytes of its Content-Range"))
                .verify(WAIT);
    }

    @Test
    void aRangeCutMidwayFailsWithAnIoError() {
        server.serve("/a.bin", Served.bytes(BODY).cutRangeAfter(4096, 100));

        StepVerifier.create(open(origin(), range(server.url("/a.bin"), 4096, 8192, Validators.NONE))
                        .flatMap(r -> Bodies.read(r.body())))
                .expectError(IOException.class)
                .verify(WAIT);
    }

    // ---- connections ----

    @Test
    void aCancelledBodyClosesItsConnectionAndReleasesItsBuffers() {
        server.enqueue(Response.ok(BODY)).enqueue(Response.ok(BODY));
        NettyOrigin origin = origin();

        StepVerifier.create(
                        origin.open(request(server.url("/a.bin")).toRequest()).flatMapMany(OriginResponse::body), 1)
                .expectNextCount(1)
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(receive(origin, request(server.url("/a.bin"))))
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        // The half-read connection could not be reused; the server's after-test check finds no leak.
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void aBodyCutShortFailsWithAnIoErrorInsteadOfCompleting() {
        server.enqueue(Response.ok(BODY).disconnectAfter(30_000));

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))).flatMap(r -> Bodies.read(r.body())))
                .expectErrorSatisfies(
                        e -> assertThat(e).isInstanceOf(IOException.class).hasMessageContaining("prematurely closed"))
                .verify(WAIT);
    }

    @Test
    void aServerErrorIsTransientAndCarriesRetryAfter() {
        server.enqueue(Response.status(503).header("Retry-After", "7"));

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(OriginFailure.class).hasMessage("HTTP 503 Service Unavailable");
                    assertThat(((OriginFailure) e).isTransient()).isTrue();
                    assertThat(((OriginFailure) e).retryAfter()).isEqualTo(Duration.ofSeconds(7));
                })
                .verify(WAIT);
    }

    @Test
    void aRangeStartingAtTheEndIsAnEmptyRemainder() {
        server.serve("/a.bin", BODY);

        StepVerifier.create(receive(
                        origin(),
                        resume(server.url("/a.bin"), BODY.length, new Validators(FaultyServer.etagOf(BODY), null))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.PARTIAL);
                    assertThat(r.response().offset()).isEqualTo(BODY.length);
                    assertThat(r.response().length()).isEqualTo(BODY.length);
                    assertThat(r.body()).isEmpty();
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void theBodyOfARangeNotSatisfiableIsDroppedAndItsConnectionFreed() {
        String etag = FaultyServer.etagOf(BODY);
        server.enqueue(Response.rangeNotSatisfiable(BODY.length).etag(etag).body(new byte[50_000]))
                .enqueue(Response.ok(BODY));
        NettyOrigin origin = NettyOrigin.builder(oneConnection.client()).build();

        StepVerifier.create(receive(origin, resume(server.url("/a.bin"), BODY.length, new Validators(etag, null))))
                .assertNext(r -> assertThat(r.body()).isEmpty())
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(receive(origin, request(server.url("/a.bin")))) // The pool's one connection is free.
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void aNotFoundIsPermanentAndItsBodyIsDropped() {
        server.enqueue(Response.status(404).body(new byte[50_000]));

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(OriginFailure.class).hasMessage("HTTP 404 Not Found");
                    assertThat(((OriginFailure) e).isTransient()).isFalse();
                    assertThat(((OriginFailure) e).status()).isEqualTo(404);
                })
                .verify(WAIT);
    }

    @Test
    void aCompressedBodyIsAPermanentFailure() {
        server.enqueue(Response.ok(BODY).gzip());

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(OriginFailure.class).hasMessageContaining("compressed");
                    assertThat(((OriginFailure) e).isTransient()).isFalse();
                })
                .verify(WAIT);
    }

    @Test
    void aConnectionRefusedIsAnIoError() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }

        StepVerifier.create(open(origin(), request(URI.create("http://127.0.0.1:" + closed + "/a"))))
                .expectError(IOException.class)
                .verify(WAIT);
    }

    // ---- redirects ----

    @Test
    void followsARedirectAndNamesTheUrlThatFailedWhenTheTargetRefuses() {
        server.enqueue(Response.redirect(302, "/moved")).enqueue(Response.status(403));

        StepVerifier.create(open(origin(), request(server.url("/a.bin"))))
                .expectErrorSatisfies(e -> assertThat(e).hasMessage("HTTP 403 Forbidden from " + server.url("/moved")))
                .verify(WAIT);
    }

    @Test
    void resumeHeadersFollowTheRedirect() {
        server.enqueue(Response.redirect(307, "/cdn/a.bin")).serve("/cdn/a.bin", BODY);
        String etag = FaultyServer.etagOf(BODY);

        StepVerifier.create(receive(origin(), resume(server.url("/a.bin"), 1000, new Validators(etag, null))))
                .assertNext(r -> assertThat(r.response().offset()).isEqualTo(1000))
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        var atCdn = server.takeRequest();
        assertThat(atCdn.header("Range")).isEqualTo("bytes=1000-");
        assertThat(atCdn.header("If-Range")).isEqualTo(etag);
    }

    @Test
    void aRawUtf8LocationIsFollowedPercentEncodedAsUtf8() {
        raw.enqueueBytes("HTTP/1.1 302 Found\r\nLocation: /models/r\u00e9seau.bin\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.UTF_8))
                .enqueue("HTTP/1.1 200 OK\nContent-Length: " + BODY.length, BODY);

        StepVerifier.create(receive(origin(), request(raw.url("/a.bin"))))
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        assertThat(raw.requests())
                .extracting(RecordedRequest::target)
                .containsExactly("/a.bin", "/models/r%C3%A9seau.bin");
    }

    @Test
    void aLocationClimbingAboveTheRootStaysAtTheRoot() {
        server.enqueue(Response.redirect(302, "../../../f")).enqueue(Response.ok(BODY));

        StepVerifier.create(receive(origin(), request(server.url("/r"))))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        assertThat(server.takeRequest().target()).isEqualTo("/f");
    }

    @Test
    void anEarlyHintsAnswerIsInterimAndTheFinalAnswerIsUsed() {
        raw.enqueue(
                "HTTP/1.1 103 Early Hints\nLink: </style.css>; rel=preload\n\nHTTP/1.1 200 OK\nContent-Length: "
                        + BODY.length,
                BODY);

        StepVerifier.create(receive(origin(), request(raw.url("/a.bin"))))
                .assertNext(r -> {
                    assertThat(r.response().status()).isEqualTo(OriginResponse.Status.FULL);
                    assertThat(r.body()).isEqualTo(BODY);
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void severalInterimAnswersBeforeARedirectAreSkippedToo() {
        raw.enqueue(
                        "HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </a>\n\nHTTP/1.1 103 Early Hints\n"
                                + "Link: </b>\n\nHTTP/1.1 302 Found\nLocation: /b.bin\nContent-Length: 0",
                        new byte[0])
                .enqueue("HTTP/1.1 200 OK\nContent-Length: " + BODY.length, BODY);

        StepVerifier.create(receive(origin(), request(raw.url("/a.bin"))))
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        assertThat(raw.requests()).extracting(RecordedRequest::target).containsExactly("/a.bin", "/b.bin");
    }

    @Test
    void credentialsTheCallersClientAddsByDefaultAreDroppedOnAnotherOriginToo() {
        server.enqueue(Response.redirect(302, other.url("/a.bin").toString()));
        other.enqueue(Response.ok(BODY));
        HttpClient withDefaults = clients.client()
                .headers(h -> h.set("Authorization", "Bearer default").set("Cookie", "c=1"));

        StepVerifier.create(receive(NettyOrigin.builder(withDefaults).build(), request(server.url("/a.bin"))))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer default");
        assertThat(other.takeRequest().headers()).doesNotContainKeys("Authorization", "Cookie");
    }

    @Test
    void theCallersRedirectAndCompressionSettingsAreOverriddenWithoutChangingTheirClient() {
        HttpClient callers = clients.client().followRedirect(true).compress(true);
        server.enqueue(Response.redirect(302, other.url("/a.bin").toString()));
        other.enqueue(Response.ok(BODY));

        StepVerifier.create(receive(
                        NettyOrigin.builder(callers).build(),
                        request(server.url("/a.bin")).withHeader("Authorization", "t")))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Accept-Encoding")).isEqualTo("identity");
        assertThat(other.takeRequest().header("Authorization")).isNull(); // Our policy ran, not reactor-netty's.
        assertThat(callers.configuration().followRedirectPredicate()).isNotNull();
        assertThat(callers.configuration().isAcceptGzip()).isTrue();
    }

    @Test
    void theBuilderIsCopyOnWrite() {
        NettyOrigin.Builder base = NettyOrigin.builder(clients.client());
        NettyOrigin noRedirects = base.maxRedirects(0).build();
        NettyOrigin followsRedirects = base.build();
        server.enqueue(Response.redirect(302, "/b"))
                .enqueue(Response.redirect(302, "/b"))
                .enqueue(Response.ok(BODY));

        StepVerifier.create(open(noRedirects, request(server.url("/a"))))
                .expectErrorMessage("more than 0 redirects, the last from " + server.url("/a")
                        + "; the origin may be redirecting in a loop")
                .verify(WAIT);
        StepVerifier.create(receive(followsRedirects, request(server.url("/a"))))
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void refusesMoreThanTenRedirectsEvenIfAskedFor() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> NettyOrigin.builder().maxRedirects(11))
                .withMessage("max redirects must be between 0 and 10: 11");
    }

    // ---- headers the caller sends ----

    @Test
    void sendsTheCallersHeaders() {
        server.enqueue(Response.ok(BODY));

        StepVerifier.create(receive(origin(), request(server.url("/a.bin")).withHeader("Authorization", "Bearer t")))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer t");
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedAndNothingIsSent() {
        StepVerifier.create(open(origin(), request(server.url("/a.bin")).withHeader("X-Token", "a\r\nX-Injected: 1")))
                .expectErrorSatisfies(e -> {
                    assertThat(e)
                            .isInstanceOf(OriginFailure.class)
                            .hasMessage("the header 'X-Token' was not sent: a header value must not contain control"
                                    + " characters such as CR, LF or NUL");
                    assertThat(((OriginFailure) e).isTransient()).isFalse();
                })
                .verify(WAIT);

        assertThat(server.requestCount()).isZero();
    }

    @Test
    void aHeaderTheOriginSetsItselfIsRefused() {
        StepVerifier.create(open(origin(), request(server.url("/a.bin")).withHeader("Range", "bytes=0-1")))
                .expectErrorMessage("the header 'Range' was not sent: Cachet sets this header itself (for resume,"
                        + " ranges and framing); leave it out")
                .verify(WAIT);
    }

    @Test
    void keepAliveIsRefusedByTheSameRuleAsFetchRequests() {
        StepVerifier.create(open(origin(), request(server.url("/a.bin")).withHeader("Keep-Alive", "timeout=5")))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(OriginFailure.class)
                        .hasMessageContaining(Text.headerProblem("Keep-Alive", "timeout=5")))
                .verify(WAIT);

        assertThat(server.requestCount()).isZero();
    }

    // ---- timeouts ----

    @Test
    void theResponseHeaderTimeoutIsASafetyNetForCallersWithoutTheEngine() {
        server.enqueue(Response.ok(BODY).noResponse());
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .responseHeaderTimeout(Duration.ofMillis(300))
                .build();

        StepVerifier.create(open(origin, request(server.url("/a.bin"))))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(TimeoutException.class)
                        .hasMessage("no response headers from 127.0.0.1:" + server.port() + " within 300 ms"))
                .verify(WAIT);
    }

    @Test
    void theConnectTimeoutIsSetOnTheCallersConnections() {
        AtomicInteger seen = new AtomicInteger();
        HttpClient callers = clients.client()
                .doOnConnected(c -> seen.set(c.channel().config().getConnectTimeoutMillis()));
        server.enqueue(Response.ok(BODY));

        StepVerifier.create(receive(
                        NettyOrigin.builder(callers)
                                .connectTimeout(Duration.ofMillis(1234))
                                .build(),
                        request(server.url("/a.bin"))))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(seen).hasValue(1234);
    }

    // ---- proxies ----

    @Test
    void goesThroughTheHttpProxyTheEnvironmentNamesWithItsCredentials() {
        server.enqueue(Response.ok(BODY));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .environment(Map.of("http_proxy", "http://me:pw@127.0.0.1:" + server.port()))
                .build();

        StepVerifier.create(receive(origin, request(URI.create("http://artifacts.test/a.bin"))))
                .assertNext(r -> assertThat(r.body()).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        var connect = server.takeRequest();
        assertThat(connect.method()).isEqualTo("CONNECT");
        assertThat(connect.target()).isEqualTo("artifacts.test:80");
        assertThat(connect.header("Proxy-Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("me:pw".getBytes(StandardCharsets.UTF_8)));
        var get = server.takeRequest();
        assertThat(get.header("Host")).isEqualTo("artifacts.test");
        assertThat(get.headers()).doesNotContainKey("Proxy-Authorization"); // Only the proxy saw it.
    }

    @Test
    void anExplicitProxyWinsOverTheEnvironment() {
        server.enqueue(Response.ok(BODY));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .environment(Map.of("http_proxy", "http://127.0.0.1:1"))
                .proxy(URI.create("http://127.0.0.1:" + server.port()))
                .build();

        StepVerifier.create(receive(origin, request(URI.create("http://artifacts.test/a.bin"))))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().method()).isEqualTo("CONNECT");
    }

    @Test
    void loopbackIsReachedDirectlyWhateverTheProxy() {
        server.enqueue(Response.ok(BODY));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .environment(Map.of("http_proxy", "http://127.0.0.1:1"))
                .build();

        StepVerifier.create(receive(origin, request(server.url("/a.bin"))))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().method()).isEqualTo("GET");
    }

    @Test
    void anUnusableProxyInTheEnvironmentFailsTheBuildClearly() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> NettyOrigin.builder(clients.client())
                        .environment(Map.of("https_proxy", "ftp://proxy:21"))
                        .build())
                .withMessageContaining("https_proxy uses the scheme 'ftp'");
    }

    // ---- the SPI ----

    @Test
    void servesHttpAndHttpsOnly() {
        NettyOrigin origin = NettyOrigin.create();

        assertThat(origin.supports(URI.create("http://a/x"))).isTrue();
        assertThat(origin.supports(URI.create("HTTPS://a/x"))).isTrue();
        assertThat(origin.supports(URI.create("file:///x"))).isFalse();
        assertThat(origin.supports(URI.create("ftp://a/x"))).isFalse();
    }

    @Test
    void isLazyEachSubscriptionIsOneRequest() {
        server.enqueue(Response.ok(BODY)).enqueue(Response.ok(BODY));
        var open = receive(origin(), request(server.url("/a.bin")));

        assertThat(server.requestCount()).isZero();
        open.block(WAIT);
        open.block(WAIT);
        assertThat(server.requestCount()).isEqualTo(2);
    }
}
