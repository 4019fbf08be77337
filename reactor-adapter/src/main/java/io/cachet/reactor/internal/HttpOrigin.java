package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * The engine behind {@code NettyOrigin}: one {@code GET} per hop on reactor-netty's {@link
 * HttpClient}, redirects followed here hop by hop ({@link RedirectPolicy}), the answer interpreted
 * by {@link RangeRequest}, failures mapped by {@link TransportErrors}.
 *
 * <p>The body. reactor-netty's inbound queue holds the pooled buffers of the response until the
 * body is subscribed, with auto-read off so TCP pushes back; each buffer is handed on as a {@link
 * ByteBuf#nioBuffer()} view (no copy) and released by reactor-netty right after {@code onNext}
 * returns, which is exactly the lifetime the SPI promises. A body that is cancelled, or that is
 * never wanted (a redirect, an error status, an answer we refuse), is cancelled here: reactor-netty
 * drops the queued buffers and closes the connection unless the response was already complete.
 * A response that ends before its {@code Content-Length} or last chunk fails with reactor-netty's
 * {@code PrematureCloseException}, an {@link java.io.IOException}.
 */
public final class HttpOrigin {
    private static final Logger log = LoggerFactory.getLogger(HttpOrigin.class);

    /**
     * What {@code NettyOrigin.Builder} collected; see its setters for each value and its default.
     *
     * @param client the caller's client, or null for reactor-netty's default one
     * @param environment where proxy variables are read, or null for {@link System#getenv()}
     */
    public record Options(
            @Nullable HttpClient client,
            Duration connectTimeout,
            Duration responseHeaderTimeout,
            int maxRedirects,
            Predicate<URI> redirectFilter,
            @Nullable URI proxy,
            @Nullable String noProxy,
            @Nullable Map<String, String> environment,
            boolean http2,
            List<X509Certificate> trusted,
            Clock clock) {}

    /**
     * How to talk to origins, derived from {@link Options} by {@link Clients}.
     *
     * @param http the client for http URLs: the caller's client with this origin's settings applied
     * @param https the client for https URLs, made on first use: preparing TLS loads the JDK's
     *     trust store, which a cache that only fetches over http should not pay for at start-up
     * @param maxRedirects how many redirects to follow, at most {@link RedirectPolicy#MAX_REDIRECTS}
     * @param redirectFilter which redirect targets are allowed, besides the scheme rules
     * @param responseHeaderTimeout how long to wait for a response's headers, or null for no limit
     * @param clock the clock {@code Retry-After} dates are read against
     */
    record Settings(
            HttpClient http,
            Supplier<HttpClient> https,
            int maxRedirects,
            Predicate<URI> redirectFilter,
            @Nullable Duration responseHeaderTimeout,
            Clock clock) {}

    /** What {@code Mono.cache} takes for "never expires" (it schedules no expiry for it). */
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final Settings settings;
    private final RedirectPolicy redirects;
    private final Mono<Void> loopsReady;

    /**
     * The origin {@code options} describe.
     *
     * @throws IllegalArgumentException if a proxy URL (given or from the environment) cannot be
     *     used, or certificates were given for a client that configures TLS itself
     */
    public static HttpOrigin create(Options options) {
        return new HttpOrigin(Clients.settings(options));
    }

    HttpOrigin(Settings settings) {
        this.settings = settings;
        this.redirects = new RedirectPolicy(settings.maxRedirects(), settings.redirectFilter());
        // reactor-netty creates the client's event loops on first use, and every thread that gets
        // there before the first one is done creates a whole group of them too and then shuts it
        // down (a fetch-all of 64 at once made 46 groups: 185 epoll instances and their threads).
        // One warm-up, which the first requests share, creates them once. A failed warm-up is not
        // kept: the next request tries again, and fails with the transport's own error if it must.
        this.loopsReady = settings.http().warmup().cache(done -> FOREVER, failed -> Duration.ZERO, () -> FOREVER);
    }

    /** The largest number of redirects any origin follows. */
    public static int maxRedirects() {
        return RedirectPolicy.MAX_REDIRECTS;
    }

    /** See {@code NettyOrigin.open}. */
    public Mono<OriginResponse> open(OriginRequest request) {
        return loopsReady.then(Mono.defer(() -> follow(
                request,
                UserInfo.strip(request.uri()),
                callerHeaders(request.headers()),
                UserInfo.basic(request.uri()),
                0,
                false)));
    }

    /**
     * One hop.
     *
     * @param uri where this hop goes, without user info
     * @param userAuth the {@code Authorization} made of the URL's user info, or null; only for the
     *     origin the caller asked for, and only if neither the caller nor its client sets one
     * @param foreign whether the chain has left the origin the caller asked for: then credentials
     *     that the HttpClient itself adds by default are removed too
     */
    private Mono<OriginResponse> follow(
            OriginRequest request,
            URI uri,
            Map<String, String> headers,
            @Nullable String userAuth,
            int hops,
            boolean foreign) {
        String where = hops == 0 ? "" : Redact.url(uri);
        return exchange(request, uri, headers, userAuth, foreign).flatMap(exchange -> {
            ResponseHead head = exchange.head();
            try {
                switch (StatusClassifier.of(head.status())) {
                    case REDIRECT -> {
                        exchange.discard();
                        RedirectPolicy.Hop hop =
                                redirects.next(uri, head.status(), head.header("Location"), headers, hops);
                        log.debug("{} redirects ({}) to {}", Redact.url(uri), head.status(), Redact.url(hop.target()));
                        boolean left = foreign || !RedirectPolicy.sameOrigin(uri, hop.target());
                        return follow(request, hop.target(), hop.headers(), left ? null : userAuth, hops + 1, left);
                    }
                    case FULL, PARTIAL, RANGE_NOT_SATISFIABLE -> {
                        RangeRequest.Answer answer = RangeRequest.interpret(request, head, where);
                        Flux<ByteBuffer> body = Flux.empty();
                        if (answer.hasBody()) {
                            body = exactly(exchange.body(), answer.bodyLength(), uri);
                        } else {
                            exchange.discard();
                        }
                        boolean ranges = answer.status() == OriginResponse.Status.PARTIAL
                                || "bytes".equalsIgnoreCase(head.header("Accept-Ranges"));
                        return Mono.just(new OriginResponse(
                                answer.status(), answer.offset(), answer.length(), answer.validators(), ranges, body));
                    }
                    default -> {
                        exchange.discard();
                        return Mono.error(StatusClassifier.failure(head, where, settings.clock()));
                    }
                }
            } catch (RuntimeException e) {
                exchange.discard();
                return Mono.error(e);
            }
        });
    }

    private Mono<Exchange> exchange(
            OriginRequest request, URI uri, Map<String, String> headers, @Nullable String userAuth, boolean foreign) {
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return exchange(settings.http(), request, uri, headers, userAuth, foreign);
        }
        // The https client is made on first use, which reads the JDK's trust store: never on the
        // caller's thread, which may be an event loop.
        return Mono.fromSupplier(settings.https())
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(client -> exchange(client, request, uri, headers, userAuth, foreign));
    }

    private Mono<Exchange> exchange(
            HttpClient client,
            OriginRequest request,
            URI uri,
            Map<String, String> headers,
            @Nullable String userAuth,
            boolean foreign) {
        String host = hostOf(uri);
        Map<String, String> range = RangeRequest.headers(request);
        Mono<Exchange> exchange = client.headers(h -> {
                    if (foreign) {
                        h.remove(HttpHeaderNames.AUTHORIZATION);
                        h.remove(HttpHeaderNames.COOKIE);
                        h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
                    }
                    headers.forEach(h::set);
                    if (userAuth != null && !h.contains(HttpHeaderNames.AUTHORIZATION)) {
                        h.set(HttpHeaderNames.AUTHORIZATION, userAuth);
                    }
                    h.set(HttpHeaderNames.ACCEPT_ENCODING, "identity");
                    range.forEach(h::set);
                })
                .get()
                .uri(uri)
                .responseConnection((response, connection) -> Mono.just(new Exchange(head(response), connection, host)))
                .next()
                .doOnNext(e -> log.debug(
                        "GET {} {}: {}",
                        Redact.url(uri),
                        range.keySet(),
                        e.head().status()))
                .onErrorMap(t -> TransportErrors.map(t, host));
        Duration limit = settings.responseHeaderTimeout();
        if (limit != null) {
            exchange = exchange.timeout(
                    limit,
                    Mono.error(() -> new TimeoutException(
                            "no response headers from " + host + " within " + limit.toMillis() + " ms")));
        }
        return exchange;
    }

    /**
     * {@code body}, failing unless it holds exactly {@code expected} bytes (any number for -1): a
     * range's body that completes short fails like a truncated body, and one that runs past its
     * {@code Content-Range} is an unusable range. Only a chunked body can do either; a
     * {@code Content-Length} is checked against the range before, and Netty frames by it.
     */
    static Flux<ByteBuffer> exactly(Flux<ByteBuffer> body, long expected, URI uri) {
        if (expected < 0) {
            return body;
        }
        return Flux.defer(() -> {
            long[] seen = {0};
            return body.<ByteBuffer>handle((buffer, sink) -> {
                        seen[0] += buffer.remaining();
                        if (seen[0] > expected) {
                            sink.error(OriginFailure.unusableRange("the origin sent more than the " + expected
                                    + " bytes of its Content-Range from " + Redact.url(uri)));
                        } else {
                            sink.next(buffer);
                        }
                    })
                    .concatWith(Mono.defer(() -> seen[0] < expected
                            ? Mono.error(new IOException("the body from " + Redact.url(uri) + " ended after " + seen[0]
                                    + " of the " + expected + " bytes of its Content-Range"))
                            : Mono.empty()));
        });
    }

    private static ResponseHead head(HttpClientResponse response) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        HttpHeaders h = response.responseHeaders();
        for (String name : h.names()) {
            headers.put(name, new ArrayList<>(h.getAll(name)));
        }
        return new ResponseHead(response.status().code(), response.status().reasonPhrase(), headers);
    }

    private static String hostOf(URI uri) {
        String host = uri.getHost() == null ? "?" : uri.getHost();
        return uri.getPort() == -1 ? host : host + ":" + uri.getPort();
    }

    /**
     * The caller's headers, checked by the rule {@code FetchRequest} applies too ({@link
     * Text#headerProblem}): an HTTP token for a name, no control character in a value, nothing the
     * origin sets itself.
     */
    private static Map<String, String> callerHeaders(Map<String, String> headers) {
        Map<String, String> checked = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String problem = Text.headerProblem(h.getKey(), h.getValue());
            if (problem != null) {
                throw OriginFailure.permanentFailure(
                        "the header '" + Text.printable(h.getKey(), 40) + "' was not sent: " + problem);
            }
            checked.put(h.getKey(), h.getValue());
        }
        return checked;
    }

    /** One response: its head, and its body still waiting in reactor-netty's inbound queue. */
    private static final class Exchange {
        private final ResponseHead head;
        private final Connection connection;
        private final String host;
        private boolean taken;

        Exchange(ResponseHead head, Connection connection, String host) {
            this.head = head;
            this.connection = connection;
            this.host = host;
        }

        ResponseHead head() {
            return head;
        }

        /** The body, for the one subscriber the SPI allows. */
        Flux<ByteBuffer> body() {
            taken = true;
            return connection.inbound().receive().map(ByteBuf::nioBuffer).onErrorMap(t -> TransportErrors.map(t, host));
        }

        /** Drops the body: its queued buffers are released and an unfinished response's connection closed. */
        void discard() {
            if (taken) {
                return;
            }
            taken = true;
            connection.inbound().receive().subscribe(Discard.INSTANCE);
        }
    }
}
