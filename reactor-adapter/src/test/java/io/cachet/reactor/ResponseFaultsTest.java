package io.cachet.reactor;

import static io.cachet.CacheEvent.Type.FAILED;
import static io.cachet.CacheEvent.Type.RESUMED;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.OriginException;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RawServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/**
 * The answers going wrong (faults N13-N21): statuses, range answers that do not fit,
 * a changed object, compression, redirect loops, malformed framing. Retry-After in virtual time is
 * in {@link RetryAfterEndToEndTest}, N20 (TLS) in {@link TlsTest}, N1-N12 in {@link
 * ConnectionFaultsTest}; parallel ranges (N22, N24-N27) in {@link ParallelRangesTest}.
 */
class ResponseFaultsTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(200_000, 42);
    private static final String ETAG = FaultyServer.etagOf(BODY);

    @RegisterExtension
    final RawServer raw = new RawServer();

    // ---- N13 statuses ----

    @Test
    void n13AServerErrorIsRetriedAndTheRetrySucceeds() {
        server.enqueue(Response.status(503).header("Retry-After", "0")).enqueue(Response.ok(BODY));
        Cache cache = cache(2);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Retrying.class)).singleElement().satisfies(r -> {
            assertThat(((OriginException) r.cause()).status()).isEqualTo(503);
            assertThat(r.cause()).hasMessageContaining("HTTP 503 Service Unavailable");
        });
        assertHoldsOnly(BODY);
    }

    @Test
    void n13ANotFoundIsNotRetriedAndSaysToCheckTheUrl() {
        server.enqueue(Response.status(404).body("<html>no such model</html>".getBytes(StandardCharsets.UTF_8)));
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.status()).isEqualTo(404);
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("HTTP 404 Not Found")
                        .hasMessageContaining("check the URL"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(FAILED);
        assertHoldsNothing(); // The error body never became an entry.
    }

    @Test
    void n13AGoneIsPermanentToo() {
        server.enqueue(Response.status(410));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.attempts()).isEqualTo(1)))
                .verify(WAIT);
    }

    @Test
    void n13ARequestTimeoutIsRetried() {
        server.enqueue(Response.status(408)).enqueue(Response.ok(BODY));
        Cache cache = cache(1);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void n13RetriesStopAtTheLimitWithTheLastStatus() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(Response.status(502));
        }
        Cache cache = cache(2);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.status()).isEqualTo(502);
                            assertThat(o.attempts()).isEqualTo(3);
                        })
                        .hasMessageContaining("after 3 attempts"))
                .verify(WAIT);
        assertHoldsNothing();
    }

    // ---- N14 server ignores Range ----

    @Test
    void n14AResumeAnsweredWithTheWholeBodyStartsOverAndNeverAppends() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.ok(BODY).etag(ETAG));
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        assertThat(server.takeRequest().header("Range")).startsWith("bytes=");
        assertThat(events.of(CacheEvent.Started.class))
                .extracting(CacheEvent.Started::offset)
                .containsExactly(0L, 0L);
        assertThat(events.types()).doesNotContain(RESUMED);
        assertHoldsOnly(BODY);
    }

    // ---- N15 206 with a wrong Content-Range ----

    @Test
    void n15APartialAnswerFromTheWrongOffsetIsRefusedAndTheDownloadStartsOver() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.partial(BODY, 0).etag(ETAG))
                .serve("/model.bin", BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requests())
                .extracting(r -> r.header("Range"))
                .containsExactly(null, "bytes=" + server.requests().get(0).bytesSent() + "-", null);
        assertThat(events.types()).doesNotContain(RESUMED);
        assertHoldsOnly(BODY);
    }

    @Test
    void n15APartialAnswerWithAnotherTotalLengthIsRefused() {
        byte[] bigger = Arrays.copyOf(BODY, BODY.length + 1);
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.partial(bigger, 60_000).etag(ETAG));
        Cache cache = cache(1);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                IntegrityException.class,
                                i -> assertThat(i.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE))
                        .hasMessageContaining("declared " + bigger.length))
                .verify(WAIT);

        assertHoldsNothing();
    }

    // ---- N16 416 ----

    @Test
    void n16ARangeNotSatisfiableAtTheEndMeansThePartIsCompleteAndIsVerified() {
        // The first answer declares 10 bytes more than it sends and closes after the last real one:
        // every byte that arrived is written, and the resume starts at the end.
        server.enqueue(Response.ok(BODY)
                        .etag(ETAG)
                        .contentLength(BODY.length + 10)
                        .disconnectAfter(BODY.length))
                .serve("/model.bin", BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(
                        cache.fetch(FetchRequest.of(server.url("/model.bin")).withSha256(sha(BODY))))
                .assertNext(a -> {
                    assertThat(a.source()).isEqualTo(Artifact.Source.RESUMED);
                    assertThat(a.size()).isEqualTo(BODY.length);
                })
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        assertThat(server.takeRequest().header("Range")).isEqualTo("bytes=" + BODY.length + "-");
        assertThat(events.of(CacheEvent.Resumed.class))
                .extracting(CacheEvent.Resumed::offset)
                .containsExactly((long) BODY.length);
        assertHoldsOnly(BODY);
    }

    @Test
    void n16AnyOther416RestartsFromZeroOnceAndNeverLoops() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.status(416))
                .enqueue(Response.ok(BODY).etag(ETAG));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requests()).extracting(r -> r.header("Range") != null).containsExactly(false, true, false);
        assertHoldsOnly(BODY);
    }

    @Test
    void n16A416ForAShrunkArtifactRestartsOnceThenFailsOnTheDigest() {
        byte[] shrunk = Arrays.copyOf(BODY, 30_000);
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.rangeNotSatisfiable(shrunk.length).etag(ETAG))
                .enqueue(Response.ok(shrunk).etag("\"v2\""));
        Cache cache = cache(3);

        StepVerifier.create(
                        cache.fetch(FetchRequest.of(server.url("/model.bin")).withSha256(sha(BODY))))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                IntegrityException.class,
                                i -> assertThat(i.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH)))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(3);
        assertHoldsNothing();
    }

    // ---- N17 the object changed between attempts ----

    @Test
    void n17ANewVersionAfterAnInterruptionIsDownloadedWholeNeverSpliced() {
        byte[] v2 = Bytes.random(BODY.length, 43);
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000)).serve("/model.bin", v2);
        Cache cache = cache(1);

        StepVerifier.create(
                        cache.fetch(FetchRequest.of(server.url("/model.bin")).withSize(BODY.length)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(v2)))
                .expectComplete()
                .verify(WAIT);

        server.takeRequest();
        assertThat(server.takeRequest().header("If-Range")).isEqualTo(ETAG);
        assertHoldsOnly(v2);
    }

    @Test
    void n17ThePinnedDigestIsTheFinalArbiterWhenTheObjectChanged() {
        byte[] v2 = Bytes.random(BODY.length, 43);
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000)).serve("/model.bin", v2);
        Cache cache = cache(1);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(IntegrityException.class, i -> {
                    assertThat(i.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH);
                    assertThat(i.actualSha256()).isEqualTo(sha(v2));
                }))
                .verify(WAIT);

        assertHoldsNothing();
    }

    // ---- N18 unexpected Content-Encoding ----

    @Test
    void n18ACompressedBodyIsRefusedAndNeverDecodedIntoTheCache() {
        server.enqueue(Response.ok(BODY).gzip());
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("the origin compressed the body (Content-Encoding: gzip)")
                        .hasMessageContaining("fix the origin or the CDN"))
                .verify(WAIT);

        assertThat(server.takeRequest().header("Accept-Encoding")).isEqualTo("identity");
        assertThat(events.types()).containsExactly(FAILED);
        assertHoldsNothing();
    }

    // ---- N19 redirect loops, long chains, other schemes ----

    @Test
    void n19ARedirectLoopStopsAfterTenHops() {
        for (int i = 0; i <= 10; i++) {
            server.enqueue(Response.redirect(302, "/model.bin"));
        }
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("more than 10 redirects")
                        .hasMessageContaining("redirecting in a loop"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(11);
        assertHoldsNothing();
    }

    @Test
    void n19AChainWithinTheLimitIsFollowed() {
        for (int i = 1; i <= 10; i++) {
            server.enqueue(Response.redirect(i % 2 == 0 ? 301 : 307, "/hop" + i));
        }
        server.enqueue(Response.ok(BODY));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requests()).last().extracting(RecordedRequest::target).isEqualTo("/hop10");
        assertHoldsOnly(BODY);
    }

    @Test
    void n19ARedirectToAFileUrlIsRefused() {
        server.enqueue(Response.redirect(302, "file:///etc/passwd"));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(OriginException.class)
                        .hasMessageContaining("to a 'file:' URL; only http and https redirects are followed"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
        assertHoldsNothing();
    }

    // ---- N21 malformed framing ----

    @Test
    void n21ConflictingContentLengthsAreRejected() {
        raw.enqueue("HTTP/1.1 200 OK\nContent-Length: 100\nContent-Length: 200", Arrays.copyOf(BODY, 200));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(raw.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isFalse())
                        .hasMessageContaining("Content-Length"))
                .verify(WAIT);

        assertThat(raw.requests()).hasSize(1);
        assertHoldsNothing();
    }

    @Test
    void n21ANegativeContentLengthIsRejected() {
        raw.enqueue("HTTP/1.1 200 OK\nContent-Length: -5", Arrays.copyOf(BODY, 200));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(raw.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isFalse()))
                .verify(WAIT);

        assertHoldsNothing();
    }

    @Test
    void n21ContentLengthWithChunkedIsRejected() {
        raw.enqueue("HTTP/1.1 200 OK\nContent-Length: 10\nTransfer-Encoding: chunked", RawServer.chunked(BODY, true));
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(raw.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isFalse()))
                .verify(WAIT);

        assertHoldsNothing();
    }

    @Test
    void n21AnOverflowingContentRangeOnResumeStartsOverFromZero() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.status(206)
                        .etag(ETAG)
                        .header("Content-Range", "bytes 60000-99999999999999999999/*")
                        .body(Arrays.copyOfRange(BODY, 60_000, BODY.length)))
                .enqueue(Response.ok(BODY).etag(ETAG));
        Cache cache = cache(1);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requests()).extracting(r -> r.header("Range")).containsExactly(null, "bytes=60000-", null);
        assertHoldsOnly(BODY);
    }

    @Test
    void aResumeWhoseRangeEndsPastTheLengthStartsOverFromZeroInsteadOfFailing() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000))
                .enqueue(Response.status(206)
                        .etag(ETAG)
                        .header("Content-Range", "bytes 60000-" + (BODY.length + 4) + "/" + BODY.length)
                        .body(Arrays.copyOfRange(BODY, 60_000, BODY.length)))
                .serve("/model.bin", BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        assertThat(server.requests()).extracting(r -> r.header("Range")).containsExactly(null, "bytes=60000-", null);
        assertThat(events.types()).doesNotContain(RESUMED, FAILED);
        assertHoldsOnly(BODY);
    }
}
