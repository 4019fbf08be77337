package io.cachet.reactor;

import static io.cachet.CacheEvent.Type.COMMITTED;
import static io.cachet.CacheEvent.Type.FAILED;
import static io.cachet.CacheEvent.Type.PROGRESS;
import static io.cachet.CacheEvent.Type.RETRYING;
import static io.cachet.CacheEvent.Type.STARTED;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/**
 * The transport going wrong (faults N1-N12): refused connections, disconnects before,
 * during and after the headers, resets, stalls, trickles, slow links, bodies too long or with
 * wrong bytes. Core engine + {@link NettyOrigin} + a loopback server injecting the fault; each test
 * checks the outcome, the error and its advice, the events, and (with the fixture's audit after it)
 * that the cache holds nothing unverified. {@link ResponseFaultsTest} has N13-N21.
 */
class ConnectionFaultsTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(200_000, 42);
    private static final String ETAG = FaultyServer.etagOf(BODY);

    @RegisterExtension
    final RawServer raw = new RawServer();

    // ---- N1 connection refused, DNS failure ----

    @Test
    void n1ConnectionRefusedIsRetriedThenFailsWithAnErrorThatSaysToRetryLater() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Cache cache = cache(2);
        EventRecorder events = record(cache);
        URI uri = URI.create("http://127.0.0.1:" + closed + "/model.bin");

        StepVerifier.create(cache.fetch(pinned(uri, BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isTrue();
                            assertThat(o.attempts()).isEqualTo(3);
                            assertThat(o.status()).isZero();
                        })
                        .hasMessageContaining("could not download " + uri)
                        .hasMessageContaining("Connection refused")
                        .hasMessageContaining("retry later"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(RETRYING, RETRYING, FAILED);
        assertHoldsNothing();
    }

    @Test
    void n1AnUnresolvableHostFailsWithATypedError() {
        Cache cache = cache(0);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(URI.create("http://artifacts.invalid/model.bin"), BODY)))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(OriginException.class).hasMessageContaining("artifacts.invalid"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(FAILED);
        assertHoldsNothing();
    }

    @Test
    void n1AHostThatNeverAnswersTheConnectFailsAfterTheConnectTimeout() throws Exception {
        // A listening socket that never accepts, its accept queue filled: Linux drops further SYNs,
        // so a connect neither succeeds nor is refused, exactly like a firewalled host.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Fillers fillers = Fillers.until(silent.getLocalPort())) {
            assertThat(fillers.sockets()).isNotEmpty(); // Held open to the end: they keep the queue full.
            Cache cache = cache(
                    NettyOrigin.builder(clients.client())
                            .connectTimeout(Duration.ofMillis(300))
                            .build(),
                    1,
                    b -> b);
            EventRecorder events = record(cache);
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/model.bin");

            StepVerifier.create(cache.fetch(pinned(uri, BODY)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOfSatisfying(OriginException.class, o -> {
                                assertThat(o.isTransient()).isTrue();
                                assertThat(o.attempts()).isEqualTo(2);
                            })
                            .hasMessageContaining("could not download " + uri)
                            .hasMessageContaining("connection timed out")
                            .hasMessageContaining("retry later"))
                    .verify(WAIT);

            assertThat(events.types()).containsExactly(RETRYING, FAILED);
            assertHoldsNothing();
        }
    }

    /** Client sockets connected to a listener until its accept queue is full. */
    private record Fillers(List<Socket> sockets) implements AutoCloseable {
        static Fillers until(int port) throws IOException {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    sockets.add(socket);
                } catch (SocketTimeoutException full) {
                    socket.close();
                    return new Fillers(sockets);
                }
            }
            throw new IllegalStateException("the accept queue never filled up after 16 connections");
        }

        @Override
        public void close() throws IOException {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    // ---- N2 disconnect before the status line ----

    @Test
    void n2ADisconnectBeforeTheStatusLineIsRetried() {
        server.enqueue(Response.ok(BODY).disconnectAtStart()).enqueue(Response.ok(BODY));
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.source()).isEqualTo(Artifact.Source.DOWNLOADED))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Retrying.class))
                .singleElement()
                .satisfies(r -> assertThat(r.cause()).hasMessageContaining("prematurely closed BEFORE response"));
        assertThat(events.distinctTypes()).containsExactly(RETRYING, STARTED, PROGRESS, COMMITTED);
        assertThat(server.requestCount()).isEqualTo(2);
        assertHoldsOnly(BODY);
    }

    @Test
    void n2WithoutRetriesTheFailureIsTransientAndNothingIsLeft() {
        server.enqueue(Response.ok(BODY).disconnectAfterHeaders());
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isTrue())
                        .hasMessageContaining("prematurely closed"))
                .verify(WAIT);

        assertHoldsNothing();
    }

    // ---- N3 disconnect mid-body with Content-Length ----

    @Test
    void n3ADisconnectMidBodyResumesWithRangeAndIfRange() {
        server.enqueue(Response.ok(BODY).etag(ETAG).disconnectAfter(60_000)).serve("/model.bin", BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> {
                    assertThat(a.source()).isEqualTo(Artifact.Source.RESUMED);
                    assertThat(a.sha256()).isEqualTo(sha(BODY));
                })
                .expectComplete()
                .verify(WAIT);

        RecordedRequest first = server.takeRequest();
        RecordedRequest second = server.takeRequest();
        assertThat(first.header("Range")).isNull();
        assertThat(second.header("Range")).isEqualTo("bytes=" + first.bytesSent() + "-");
        assertThat(second.header("If-Range")).isEqualTo(ETAG);
        assertThat(events.of(CacheEvent.Retrying.class))
                .singleElement()
                .satisfies(r -> assertThat(r.cause()).hasMessageContaining("prematurely closed DURING response"));
        assertThat(events.of(CacheEvent.Resumed.class))
                .singleElement()
                .satisfies(r -> assertThat(r.offset()).isEqualTo(first.bytesSent()));
        assertHoldsOnly(BODY);
    }

    @Test
    void n3ADisconnectMidBodyNeverPublishesThePartialBytes() {
        server.enqueue(Response.ok(BODY).disconnectAfter(60_000));
        Cache cache = cache(0);
        EventRecorder events = record(cache);

        StepVerifier.create(
                        cache.fetch(FetchRequest.of(server.url("/model.bin")).withSize(BODY.length)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isTrue())
                        .hasMessageContaining("prematurely closed DURING response")
                        .hasMessageContaining("retry later"))
                .verify(WAIT);

        assertThat(events.types()).startsWith(STARTED).endsWith(FAILED).doesNotContain(COMMITTED);
        assertHoldsNothing(); // No validators and no pin: the part cannot be resumed, so it is gone.
    }

    // ---- N4 truncated close-delimited body ----

    @Test
    void n4ATruncatedCloseDelimitedBodyIsCaughtByTheExpectedSize() {
        raw.enqueue("HTTP/1.1 200 OK\nConnection: close", Arrays.copyOf(BODY, 70_000));
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(raw.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(IntegrityException.class, i -> {
                            assertThat(i.kind()).isEqualTo(IntegrityException.Kind.SIZE_MISMATCH);
                            assertThat(i.actualSize()).isEqualTo(70_000);
                        })
                        .hasMessageContaining("expected " + BODY.length + " bytes but received 70000")
                        .hasMessageContaining("Nothing was committed"))
                .verify(WAIT);

        assertThat(raw.requests()).hasSize(1); // Integrity failures are not retried in a loop.
        assertThat(events.types()).endsWith(FAILED).doesNotContain(COMMITTED);
        assertHoldsNothing();
    }

    @Test
    void n4WithoutAnExpectedSizeThePinnedDigestCatchesIt() {
        raw.enqueue("HTTP/1.1 200 OK\nConnection: close", Arrays.copyOf(BODY, 70_000));
        Cache cache = cache(0);

        StepVerifier.create(cache.fetch(FetchRequest.of(raw.url("/model.bin")).withSha256(sha(BODY))))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                IntegrityException.class,
                                i -> assertThat(i.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH)))
                .verify(WAIT);

        assertHoldsNothing();
    }

    // ---- N5 chunked body without its last chunk ----

    @Test
    void n5AChunkedBodyWithoutItsLastChunkFailsAsPrematureCloseAndIsRetried() {
        raw.enqueue(
                "HTTP/1.1 200 OK\nTransfer-Encoding: chunked", RawServer.chunked(Arrays.copyOf(BODY, 50_000), false));
        raw.enqueue("HTTP/1.1 200 OK\nContent-Length: " + BODY.length, BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(raw.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Retrying.class))
                .singleElement()
                .satisfies(r -> assertThat(r.cause()).hasMessageContaining("prematurely closed DURING response"));
        // The retry asked for the rest, got a 200, and started over: it never spliced.
        assertThat(raw.requests().get(1).header("Range")).isEqualTo("bytes=50000-");
        assertThat(events.of(CacheEvent.Started.class))
                .extracting(CacheEvent.Started::offset)
                .containsExactly(0L, 0L);
        assertHoldsOnly(BODY);
    }

    // ---- N6 TCP reset mid-body ----

    @Test
    void n6AResetMidBodyIsRetriedAndResumed() {
        server.enqueue(Response.ok(BODY).etag(ETAG).resetAfter(80_000)).serve("/model.bin", BODY);
        Cache cache = cache(1);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Retrying.class))
                .singleElement()
                .satisfies(r -> assertThat(r.cause().isTransient()).isTrue());
        server.takeRequest();
        String range = server.takeRequest().header("Range");
        if (range != null) { // A reset may discard bytes already received, even all of them.
            assertThat(Long.parseLong(range.substring(6, range.length() - 1))).isBetween(1L, 80_000L);
        }
        assertHoldsOnly(BODY);
    }

    // ---- N7 headers never come ----

    @Test
    void n7AnOriginThatNeverAnswersTimesOut() {
        server.enqueue(Response.ok(BODY).noResponse());
        Cache cache = cache(origin(), 0, b -> b.idleTimeout(Duration.ofMillis(300)));
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isTrue())
                        .hasMessageContaining("no response within 300 ms")
                        .hasMessageContaining("retry later"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(FAILED);
        assertHoldsNothing();
    }

    // ---- N8 stall mid-body ----

    @Test
    void n8AStallMidBodyTimesOutAndTheRetryNeverSplicesUnwrittenBytes() {
        server.enqueue(Response.ok(BODY).etag(ETAG).stallAfter(50_000)).serve("/model.bin", BODY);
        Cache cache = cache(origin(), 1, b -> b.idleTimeout(Duration.ofSeconds(2)));
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.of(CacheEvent.Retrying.class))
                .singleElement()
                .satisfies(r -> assertThat(r.cause()).hasMessageContaining("no bytes arrived for 2000 ms"));
        server.takeRequest();
        String range = server.takeRequest().header("Range");
        if (range != null) { // The engine resumes from what reached the disk, never past what arrived.
            assertThat(Long.parseLong(range.substring(6, range.length() - 1))).isBetween(1L, 50_000L);
        }
        assertHoldsOnly(BODY);
    }

    // ---- N9 slowloris trickle ----

    @Test
    void n9ATrickleBelowTheMinimumThroughputIsAbortedAlthoughBytesKeepComing() {
        server.enqueue(Response.ok(BODY).trickle(1, Duration.ofMillis(20)));
        Cache cache = cache(
                origin(), 0, b -> b.idleTimeout(Duration.ofSeconds(10)).minThroughput(1000, Duration.ofSeconds(1)));
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginException.class,
                                o -> assertThat(o.isTransient()).isTrue())
                        .hasMessageContaining("below the minimum of 1000 bytes/s"))
                .verify(WAIT);

        assertThat(events.types()).startsWith(STARTED).endsWith(FAILED);
        assertHoldsNothing();
    }

    // ---- N10 slow but steady ----

    @Test
    void n10ASlowButSteadyOriginIsNeverTimedOut() {
        // About a second at 128 KiB/s: the throughput rule is checked twice (500 ms windows) and the
        // idle rule some fifty times (every 20 ms a slice arrives), and neither may fire.
        byte[] body = Bytes.random(128 * 1024, 10);
        server.enqueue(Response.ok(body).throttle(128 * 1024));
        Cache cache = cache(
                origin(), 0, b -> b.idleTimeout(Duration.ofSeconds(2)).minThroughput(4 * 1024, Duration.ofMillis(500)));
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), body)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(body)))
                .expectComplete()
                .verify(WAIT);

        assertThat(events.types()).doesNotContain(RETRYING, FAILED);
        assertHoldsOnly(body);
    }

    // ---- N11 longer than expected ----

    @Test
    void n11AContentLengthAboveTheExpectedSizeFailsBeforeAnyByteIsWritten() {
        server.enqueue(Response.ok(BODY).contentLength(10L << 30));
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(IntegrityException.class, i -> {
                            assertThat(i.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE);
                            assertThat(i.actualSize()).isEqualTo(10L << 30);
                        })
                        .hasMessageContaining(
                                "expected " + BODY.length + " bytes but the origin sent or declared 10737418240"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(FAILED); // Not even Started: nothing was written.
        assertThat(server.requestCount()).isEqualTo(1);
        assertHoldsNothing();
    }

    @Test
    void n11AnEndlessBodyIsCutOffOneByteAfterTheExpectedSize() {
        server.enqueue(Response.ok(Arrays.copyOf(BODY, 1000)).infiniteBody());
        Cache cache = cache(3);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                IntegrityException.class,
                                i -> assertThat(i.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE))
                        .hasMessageContaining("the transfer was cut off"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
        assertHoldsNothing();
    }

    // ---- N12 same size, wrong bytes ----

    @Test
    void n12OneFlippedByteIsADigestMismatchAndNothingIsPublished() {
        server.enqueue(Response.ok(BODY).flipByte(123_456));
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(IntegrityException.class, i -> {
                            assertThat(i.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH);
                            assertThat(i.expectedSha256()).isEqualTo(sha(BODY));
                        })
                        .hasMessageContaining("expected SHA-256 " + sha(BODY))
                        .hasMessageContaining("Check that the expected digest and size are right"))
                .verify(WAIT);

        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(events.types()).endsWith(FAILED).doesNotContain(RETRYING, COMMITTED);
        assertHoldsNothing();
    }
}
