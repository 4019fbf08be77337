package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.OriginException;
import io.cachet.reactor.testing.Bodies;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.reactor.testing.TestCertificates;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

/** TLS: the JDK trust store by default, extra certificates on request, HTTP/2 by ALPN, and N20. */
class TlsTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(120_000, 20);

    @RegisterExtension
    final FaultyServer https = new FaultyServer().tls();

    @RegisterExtension
    final FaultyServer h2 = new FaultyServer().tls().http2();

    @RegisterExtension
    final FaultyServer otherHost = new FaultyServer().tls(TestCertificates.OTHER_HOST);

    private NettyOrigin trusting(TestCertificates certificate) {
        return NettyOrigin.builder(clients.client())
                .trustedCertificates(certificate.certificate())
                .build();
    }

    @Test
    void fetchesOverTlsFromAServerWhoseCertificateWasAddedToTheTrust() {
        https.enqueue(Response.ok(BODY));
        Cache cache = cache(trusting(TestCertificates.LOCALHOST), 0, b -> b);

        StepVerifier.create(cache.fetch(pinned(https.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(https.takeRequest().version()).isEqualTo("HTTP/1.1");
        assertHoldsOnly(BODY);
    }

    @Test
    void speaksHttp2WhenTheServerOffersItByAlpn() {
        h2.enqueue(Response.ok(BODY).etag("\"v1\""));
        NettyOrigin origin = trusting(TestCertificates.LOCALHOST);

        StepVerifier.create(origin.open(OriginRequest.of(h2.url("/model.bin"))).flatMap(r -> Bodies.read(r.body())))
                .assertNext(bytes -> assertThat(bytes).isEqualTo(BODY))
                .expectComplete()
                .verify(WAIT);

        assertThat(h2.takeRequest().version()).isEqualTo("HTTP/2.0");
    }

    @Test
    void resumesOverHttp2() {
        h2.enqueue(Response.ok(BODY).etag(FaultyServer.etagOf(BODY)).disconnectAfter(40_000))
                .serve("/model.bin", BODY);
        Cache cache = cache(trusting(TestCertificates.LOCALHOST), 1, b -> b);

        StepVerifier.create(cache.fetch(pinned(h2.url("/model.bin"), BODY)))
                .assertNext(a -> assertThat(a.sha256()).isEqualTo(sha(BODY)))
                .expectComplete()
                .verify(WAIT);

        assertThat(h2.requests()).extracting(r -> r.version()).containsOnly("HTTP/2.0");
        assertHoldsOnly(BODY);
    }

    // ---- N20 ----

    @Test
    void n20ASelfSignedCertificateIsRefusedPermanentlyByTheJdkTrustStore() {
        Cache cache = cache(3);
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(https.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("the TLS certificate of 127.0.0.1:" + https.port() + " is not trusted")
                        .hasMessageContaining("trustedCertificates"))
                .verify(WAIT);

        assertThat(https.requestCount()).isZero(); // Nothing was sent, and nothing was tried over http.
        assertThat(events.types()).containsExactly(CacheEvent.Type.FAILED);
        assertHoldsNothing();
    }

    @Test
    void n20ACertificateForAnotherHostIsRefusedEvenWhenTrusted() {
        Cache cache = cache(trusting(TestCertificates.OTHER_HOST), 3, b -> b);

        StepVerifier.create(cache.fetch(pinned(otherHost.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.isTransient()).isFalse();
                            assertThat(o.attempts()).isEqualTo(1);
                        })
                        .hasMessageContaining("is not trusted"))
                .verify(WAIT);

        assertThat(otherHost.requestCount()).isZero();
        assertHoldsNothing();
    }

    @Test
    void n20AHandshakeThatBreaksIsRetriedAndNeverFallsBackToPlainHttp() {
        // An https URL on a plain HTTP server: the handshake fails every time.
        Cache cache = cache(trusting(TestCertificates.LOCALHOST), 2, b -> b);
        java.net.URI url = java.net.URI.create("https://127.0.0.1:" + server.port() + "/model.bin");

        StepVerifier.create(cache.fetch(pinned(url, BODY)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(OriginException.class, o -> {
                    assertThat(o.isTransient()).isTrue();
                    assertThat(o.attempts()).isEqualTo(3);
                }))
                .verify(WAIT);

        assertThat(server.requestCount()).isZero();
        assertHoldsNothing();
    }
}
