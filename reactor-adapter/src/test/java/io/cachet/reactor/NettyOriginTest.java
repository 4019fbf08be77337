package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.testing.Bodies;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.reactor.testing.TestClients;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

@Timeout(30)
class NettyOriginTest {
  private static final byte[] BODY = Bodies.random(100_000, 1);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension final FaultyServer server = new FaultyServer();
  @RegisterExtension final TestClients clients = new TestClients();

  private NettyOrigin origin() {
    return NettyOrigin.builder(clients.client()).build();
  }

  private static OriginRequest request(URI uri) {
    return OriginRequest.of(uri);
  }

  /** A response with its body, read as the engine reads it. */
  record Received(OriginResponse response, byte[] body) {}

  private static reactor.core.publisher.Mono<Received> receive(NettyOrigin origin, OriginRequest request) {
    return origin.open(request).flatMap(r -> Bodies.read(r.body()).map(bytes -> new Received(r, bytes)));
  }

  private static OriginRequest resume(URI uri, long offset, Validators v) {
    return new OriginRequest(uri, offset, v, Map.of(), -1);
  }

  // ---- requests ----

  @Test
  void asksForIdentityEncodingAndNoRangeForAFreshDownload() {
    server.enqueue(Response.ok(BODY));

    StepVerifier.create(origin().open(request(server.url("/a.bin"))).flatMap(r -> Bodies.read(r.body())))
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
          assertThat(r.response().validators()).isEqualTo(new Validators("\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT"));
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

  @Test
  void aBodyCutShortFailsWithAnIoErrorInsteadOfCompleting() {
    server.enqueue(Response.ok(BODY).disconnectAfter(30_000));

    StepVerifier.create(origin().open(request(server.url("/a.bin"))).flatMap(r -> Bodies.read(r.body())))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IOException.class).hasMessageContaining("prematurely closed"))
        .verify(WAIT);
  }

  @Test
  void aServerErrorIsTransientAndCarriesRetryAfter() {
    server.enqueue(Response.status(503).header("Retry-After", "7"));

    StepVerifier.create(origin().open(request(server.url("/a.bin"))))
        .expectErrorSatisfies(e -> {
          assertThat(e).isInstanceOf(OriginFailure.class).hasMessage("HTTP 503 Service Unavailable");
          assertThat(((OriginFailure) e).isTransient()).isTrue();
          assertThat(((OriginFailure) e).retryAfter()).isEqualTo(Duration.ofSeconds(7));
        })
        .verify(WAIT);
  }
}
