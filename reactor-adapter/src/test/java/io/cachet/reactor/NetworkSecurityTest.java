package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.InvalidRequestException;
import io.cachet.OriginException;
import io.cachet.reactor.testing.Bodies;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.reactor.testing.TestCertificates;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * The threats a network origin answers for, end to end (core engine, {@link NettyOrigin}, loopback
 * servers): file names chosen by the server (S2), redirects choosing a protocol (S3), https
 * downgraded to http (S7), credentials carried to another origin (S8), compression bombs (S9),
 * unbounded sizes (S10), a slowloris holding the lock (S11), redirects into internal networks
 * (S17), and secrets or CR/LF leaking through messages and headers (S18).
 */
class NetworkSecurityTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(100_000, 77);

    /** Another port on the same address: another origin. */
    @RegisterExtension
    final FaultyServer otherPort = new FaultyServer();

    /** Another host (127.0.0.2) on the same port as {@link #server}. */
    @RegisterExtension
    final FaultyServer otherHost = FaultyServer.onHost("127.0.0.2").samePortAs(server);

    @RegisterExtension
    final FaultyServer https = new FaultyServer().tls();

    private static FetchRequest withCredentials(URI uri) {
        return pinned(uri, BODY)
                .withHeader("Authorization", "Bearer s3cret-token")
                .withHeader("Cookie", "session=s3cret-cookie")
                .withHeader("Proxy-Authorization", "Basic s3cret-proxy")
                .withHeader("X-Api-Key", "s3cret-key")
                .withHeader("User-Agent", "cachet-test");
    }

    private static void assertNoCredentials(RecordedRequest r) {
        assertThat(r.headers()).doesNotContainKeys("Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key");
        assertThat(r.headers().values()).noneMatch(v -> v.contains("s3cret"));
    }

    // ---- S2 Content-Disposition ----

    @Test
    void s2AHostileContentDispositionNeverChoosesAPath() throws IOException {
        Path victim = fixture.root().getParent().resolve("victim");
        server.enqueue(Response.ok(BODY).header("Content-Disposition", "attachment; filename=\"../../victim\""));
        Cache cache = cache(0);
        Path blobs = cache.root().resolve("blobs");

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> {
                    assertThat(a.path()).startsWith(blobs);
                    assertThat(a.path().getFileName()).hasToString(sha(BODY).hex());
                })
                .expectComplete()
                .verify(WAIT);

        assertThat(victim).doesNotExist();
        try (Stream<Path> all = Files.walk(fixture.root())) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("victim"));
        }
        assertHoldsOnly(BODY);
    }

    // ---- S3 redirects choosing a protocol ----

    @ParameterizedTest
    @ValueSource(strings = {"ftp://127.0.0.1/.bashrc", "file:///home/user/.bashrc", "jar:file:/tmp/x.jar!/a"})
    void s3ARedirectToAnotherProtocolIsRefused(String location) {
        server.enqueue(Response.redirect(302, location));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("only http and https redirects are followed"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
        assertHoldsNothing();
    }

    // ---- S7 https to http ----

    @Test
    void s7ARedirectFromHttpsToHttpIsRefusedAndTheHttpServerNeverHearsOfIt() {
        https.enqueue(Response.redirect(302, otherPort.url("/model.bin").toString()));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .trustedCertificates(TestCertificates.LOCALHOST.certificate())
                .build();
        Cache cache = cache(origin, 3, b -> b);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(withCredentials(https.url("/model.bin"))))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("refused the redirect from " + https.url("/model.bin") + " to "
                                + otherPort.url("/model.bin"))
                        .hasMessageContaining("downgrade https to plain http"))
                .verify(WAIT);

        assertThat(otherPort.requestCount()).isZero();
        assertThat(events.types()).containsExactly(CacheEvent.Type.FAILED);
        assertHoldsNothing();
    }

    // ---- S8 credentials to another origin ----

    @Test
    void s8CredentialsNeverFollowARedirectToAnotherPort() {
        server.enqueue(Response.redirect(302, otherPort.url("/model.bin").toString()));
        otherPort.enqueue(Response.ok(BODY));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(withCredentials(server.url("/model.bin"))))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer s3cret-token");
        RecordedRequest atB = otherPort.takeRequest();
        assertNoCredentials(atB);
        assertThat(atB.header("User-Agent")).isEqualTo("cachet-test"); // Harmless headers do follow.
        assertHoldsOnly(BODY);
    }

    @Test
    void s8CredentialsNeverFollowARedirectToAnotherHostOnTheSamePort() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                FaultyServer.canBind("127.0.0.2"), "127.0.0.2 is not bindable here");
        server.enqueue(Response.redirect(302, otherHost.url("/model.bin").toString()));
        otherHost.enqueue(Response.ok(BODY));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(withCredentials(server.url("/model.bin"))))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(otherHost.port()).isEqualTo(server.port());
        assertNoCredentials(otherHost.takeRequest());
    }

    @Test
    void s8CredentialsNeverFollowARedirectToAnotherSchemeOnTheSameHost() {
        server.enqueue(Response.redirect(302, https.url("/model.bin").toString()));
        https.enqueue(Response.ok(BODY));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .trustedCertificates(TestCertificates.LOCALHOST.certificate())
                .build();
        Cache cache = cache(origin, 0, b -> b);

        StepVerifier.create(cache.fetch(withCredentials(server.url("/model.bin"))))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertNoCredentials(https.takeRequest());
    }

    @Test
    void s8AChainThatComesBackToTheFirstOriginDoesNotBringTheCredentialsBack() {
        server.enqueue(Response.redirect(302, otherPort.url("/hop").toString())).enqueue(Response.ok(BODY));
        otherPort.enqueue(Response.redirect(307, server.url("/model.bin?again").toString()));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(withCredentials(server.url("/model.bin"))))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Cookie")).isEqualTo("session=s3cret-cookie");
        assertNoCredentials(otherPort.takeRequest());
        RecordedRequest backAtA = server.takeRequest();
        assertThat(backAtA.target()).isEqualTo("/model.bin?again");
        assertNoCredentials(backAtA);
    }

    @Test
    void s8CredentialsFollowARedirectOnTheSameOrigin() {
        server.enqueue(Response.redirect(301, "/v2/model.bin")).enqueue(Response.ok(BODY));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(withCredentials(server.url("/model.bin"))))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer s3cret-token");
    }

    // ---- S8 credentials in the URL's user info ----

    private static final String USER_INFO = "al%40ice:pa55%3Aw%C3%B6rd";
    private static final String BASIC =
            "Basic " + Base64.getEncoder().encodeToString("al@ice:pa55:wörd".getBytes(StandardCharsets.UTF_8));

    private URI withUserInfo(FaultyServer at, String path) {
        return URI.create("http://" + USER_INFO + "@" + at.host() + ":" + at.port() + path);
    }

    @Test
    void s8UserInfoIsSentAsBasicAuthorizationToItsOwnOriginAndAcrossItsOwnRedirects() {
        server.enqueue(Response.redirect(301, "/v2/model.bin")).enqueue(Response.ok(BODY));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(pinned(withUserInfo(server, "/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        RecordedRequest first = server.takeRequest();
        assertThat(first.header("Authorization")).isEqualTo(BASIC);
        assertThat(first.header("Host")).isEqualTo(server.host() + ":" + server.port());
        assertThat(first.target()).isEqualTo("/model.bin");
        assertThat(server.takeRequest().header("Authorization")).isEqualTo(BASIC);
    }

    @Test
    void s8UserInfoNeverFollowsARedirectToAnotherOriginNorComesBackWithTheChain() {
        server.enqueue(Response.redirect(302, otherPort.url("/hop").toString())).enqueue(Response.ok(BODY));
        otherPort.enqueue(Response.redirect(307, server.url("/model.bin?again").toString()));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(pinned(withUserInfo(server, "/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Authorization")).isEqualTo(BASIC);
        assertThat(otherPort.takeRequest().headers()).doesNotContainKey("Authorization");
        assertThat(server.takeRequest().headers()).doesNotContainKey("Authorization");
    }

    @Test
    void s8AnAuthorizationTheCallerSetsWinsOverTheUserInfo() {
        server.enqueue(Response.ok(BODY)).enqueue(Response.ok(BODY));
        HttpClient withDefault = clients.client().headers(h -> h.set("Authorization", "Bearer client-default"));

        StepVerifier.create(cache(0).fetch(pinned(withUserInfo(server, "/a.bin"), BODY)
                        .withHeader("Authorization", "Bearer from-request")))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(NettyOrigin.builder(withDefault)
                        .build()
                        .open(OriginRequest.of(withUserInfo(server, "/b.bin")))
                        .flatMap(r -> Bodies.read(r.body())))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);

        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer from-request");
        assertThat(server.takeRequest().header("Authorization")).isEqualTo("Bearer client-default");
    }

    @Test
    void s8UserInfoNeverAppearsInAMessageOrALogLine() {
        server.enqueue(Response.redirect(302, "/moved")).enqueue(Response.status(403));
        Cache cache = cache(0);
        EventRecorder events = record(cache);
        List<Throwable> failure = new ArrayList<>();

        String logs = stderrOf(() -> cache.fetch(pinned(withUserInfo(server, "/model.bin"), BODY))
                .doOnError(failure::add)
                .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                .block(WAIT));

        assertThat(failure)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .hasMessageContaining("HTTP 403 Forbidden")
                        .hasMessageContaining("http://" + server.host() + ":" + server.port() + "/model.bin"));
        assertThat(logs).contains("GET http://" + server.host() + ":" + server.port() + "/model.bin"); // Logs were on.
        List<String> everything = new ArrayList<>(List.of(logs, String.valueOf(failure.get(0))));
        events.events().forEach(e -> everything.add(e.toString()));
        for (Throwable t = failure.get(0); t != null; t = t.getCause()) {
            everything.add(String.valueOf(t.getMessage()));
        }
        assertThat(everything)
                .noneMatch(s -> s.contains("al%40ice")
                        || s.contains("al@ice")
                        || s.contains("pa55")
                        || s.contains(BASIC.substring(6, 18)));
    }

    /** What slf4j-simple (which writes to the current System.err) printed while {@code body} ran. */
    private static String stderrOf(Runnable body) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    // ---- S9 compression bombs and chained encodings ----

    @ParameterizedTest
    @ValueSource(strings = {"gzip, gzip, br", "deflate", "br", "x-gzip"})
    void s9AnyContentEncodingIsRefusedAndNothingIsDecoded(String encoding) {
        server.enqueue(Response.ok(BODY).header("Content-Encoding", encoding));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.attempts()).isEqualTo(1))
                        .hasMessageContaining("the origin compressed the body (Content-Encoding: " + encoding + ")"))
                .verify(WAIT);

        assertThat(server.takeRequest().header("Accept-Encoding")).isEqualTo("identity");
        assertHoldsNothing();
    }

    // ---- S10 unbounded size ----

    @Test
    void s10WithoutAnExpectedSizeAnEndlessBodyIsCutOffAtTheCachesLimit() {
        server.enqueue(Response.ok(new byte[0]).infiniteBody());
        Cache cache = cache(origin(), 3, b -> b.maxArtifactSize(256 * 1024));

        StepVerifier.create(cache.fetch(FetchRequest.of(server.url("/model.bin"))))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                IntegrityException.class,
                                i -> assertThat(i.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE))
                        .hasMessageContaining("the transfer was cut off"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
        assertHoldsNothing();
    }

    @Test
    void s10ADeclaredLengthAboveTheCachesLimitIsRefusedBeforeAnyByteIsWritten() {
        server.enqueue(Response.ok(BODY).contentLength(50L << 30));
        Cache cache = cache(origin(), 3, b -> b.maxArtifactSize(1 << 20));
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(FetchRequest.of(server.url("/model.bin"))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(IntegrityException.class, i -> {
                    assertThat(i.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE);
                    assertThat(i.actualSize()).isEqualTo(50L << 30);
                }))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(CacheEvent.Type.FAILED);
        assertHoldsNothing();
    }

    // ---- S11 slowloris holding the lock ----

    @Test
    void s11ATricklingOriginCannotHoldTheLockForeverAndNoWaiterStealsIt() throws Exception {
        server.enqueue(Response.ok(BODY).trickle(1, Duration.ofMillis(20)))
                .enqueue(Response.ok(BODY).trickle(1, Duration.ofMillis(20)));
        Cache holder = cache(origin(), 0, b -> b.minThroughput(1000, Duration.ofSeconds(1)));
        Cache other = cache(origin(), 0, b -> b.minThroughput(1000, Duration.ofSeconds(1)));
        EventRecorder otherEvents = record(other);
        FetchRequest request = pinned(server.url("/model.bin"), BODY);

        List<CompletableFuture<Artifact>> waiters = IntStream.range(0, 10)
                .mapToObj(i -> holder.fetch(request).toFuture())
                .toList();
        server.takeRequest(); // The holder is downloading: it holds the lock.
        CompletableFuture<Artifact> otherCache = other.fetch(request).toFuture();

        for (CompletableFuture<Artifact> waiter : waiters) {
            assertThat(failure(waiter))
                    .isInstanceOfSatisfying(
                            OriginException.class,
                            o -> assertThat(o.isTransient()).isTrue())
                    .hasMessageContaining("below the minimum of 1000 bytes/s");
        }
        assertThat(failure(otherCache)).isInstanceOf(OriginException.class);
        // The other cache waited for the lock, then tried itself: it never broke in.
        assertThat(otherEvents.types()).startsWith(CacheEvent.Type.WAITING).endsWith(CacheEvent.Type.FAILED);
        assertThat(server.requestCount()).isEqualTo(2);
        try (Stream<Path> locks = Files.list(fixture.root().resolve("locks"))) {
            assertThat(locks).hasSize(1); // The lock file is still there: never deleted, never stolen.
        }
        assertHoldsNothing();
    }

    private static Throwable failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got " + future.get());
    }

    // ---- S17 SSRF-ish redirect targets ----

    @Test
    void s17TheRedirectFilterRefusesInternalDestinations() {
        server.enqueue(Response.redirect(302, "http://169.254.169.254/latest/meta-data/"));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .redirectFilter(NetworkSecurityTest::isPublic)
                .build();
        Cache cache = cache(origin, 3, b -> b);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(
                        e -> assertThat(e)
                                .isInstanceOfSatisfying(
                                        OriginException.class,
                                        o -> assertThat(o.isTransient()).isFalse())
                                .hasMessageContaining(
                                        "to http://169.254.169.254/latest/meta-data/: the origin's redirect filter does not allow"))
                .verify(WAIT);

        assertHoldsNothing();
    }

    @Test
    void s17TheFilterSeesEveryHopNotJustTheFirst() {
        server.enqueue(Response.redirect(302, otherPort.url("/next").toString()));
        otherPort.enqueue(Response.redirect(302, "http://localhost:" + server.port() + "/admin"));
        NettyOrigin origin = NettyOrigin.builder(clients.client())
                .redirectFilter(uri -> !uri.getHost().equals("localhost"))
                .build();
        Cache cache = cache(origin, 0, b -> b);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("redirect filter does not allow"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
    }

    private static boolean isPublic(URI uri) {
        String host = uri.getHost();
        return !(host.startsWith("169.254.")
                || host.equals("localhost")
                || host.startsWith("10.")
                || host.startsWith("192.168."));
    }

    // ---- S18 secrets in messages, CR/LF in headers ----

    @Test
    void s18CredentialsAndQueryTokensInTheUrlNeverReachMessagesOrEvents() {
        server.enqueue(Response.status(404));
        Cache cache = cache(0);
        EventRecorder events = record(cache);
        URI secret = URI.create("http://user:pa55word@127.0.0.1:" + server.port() + "/model.bin?token=t0ken-s3cret");

        StepVerifier.create(cache.fetch(pinned(secret, BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .hasMessageContaining("http://127.0.0.1:" + server.port() + "/model.bin?...")
                        .hasMessageNotContaining("pa55word")
                        .hasMessageNotContaining("t0ken"))
                .verify(WAIT);

        assertThat(events.events())
                .extracting(Object::toString)
                .noneMatch(s -> s.contains("pa55word") || s.contains("t0ken"));
        RecordedRequest sent = server.takeRequest();
        assertThat(sent.target()).isEqualTo("/model.bin?token=t0ken-s3cret"); // The origin needs its URL...
        assertThat(sent.headers().values()).noneMatch(v -> v.contains("pa55word")); // ...and user info only as Basic.
    }

    @Test
    void s18ASuccessfulDownloadReportsOnlyTheRedactedUrl() {
        server.enqueue(Response.ok(BODY));
        Cache cache = cache(0);
        EventRecorder events = record(cache);
        URI secret = URI.create("http://127.0.0.1:" + server.port() + "/model.bin?X-Signature=s1gnature");

        StepVerifier.create(cache.fetch(pinned(secret, BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Started.class))
                .singleElement()
                .satisfies(s -> assertThat(s.url()).isEqualTo("http://127.0.0.1:" + server.port() + "/model.bin?..."));
        assertThat(events.events()).extracting(Object::toString).noneMatch(s -> s.contains("s1gnature"));
    }

    @Test
    void s18AHeaderValueWithALineBreakIsRefusedBeforeAnyRequest() {
        StepVerifier.create(reactor.core.publisher.Mono.fromCallable(
                        () -> FetchRequest.of(server.url("/model.bin")).withHeader("X-Token", "a\r\nX-Injected: 1")))
                .expectError(InvalidRequestException.class)
                .verify(WAIT);

        assertThat(server.requestCount()).isZero();
    }
}
