package io.cachet.s3.testing;

import io.cachet.reactor.testing.LeakDetection;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * A reverse proxy on reactor-netty in front of s3proxy that passes requests through unchanged
 * (signatures included: the {@code Host} header is kept) unless told to fail:
 *
 * <ul>
 *   <li>{@link #failNext(int, int)}: the next requests get an S3 error with that status;
 *   <li>{@link #stallAll()}: requests are never answered;
 *   <li>{@link #conditionalWrites(Conditional)}: what a {@code PUT} (or a multipart completion) with
 *       {@code If-None-Match: *} gets. {@link Conditional#ENFORCE} (the default) behaves as AWS S3:
 *       412 if the key exists, 409 if another conditional write of the key is in flight;
 *       {@link Conditional#IGNORE} passes it to s3proxy 2.6.0, which ignores it; {@link
 *       Conditional#REJECT} answers 501, as servers without conditional writes may.
 * </ul>
 *
 * Every request is recorded ({@link #requests()}) as {@code METHOD path?query}.
 */
public final class S3FaultProxy implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Set<String> HOP_BY_HOP =
            Set.of("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect");

    /** How {@code If-None-Match: *} on writes is treated. */
    public enum Conditional {
        ENFORCE,
        IGNORE,
        REJECT
    }

    private final Path data;
    private final LoopResources loops;
    private final ConnectionProvider pool;
    private final HttpClient upstream;
    private final DisposableServer server;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> writing = new ConcurrentHashMap<>();
    private volatile int failureStatus = 500;
    private volatile Predicate<String> failing = request -> true;
    private volatile Conditional conditional = Conditional.ENFORCE;
    private volatile boolean stalling;

    private S3FaultProxy(int upstreamPort, Path data) {
        this.data = data;
        int id = INSTANCES.incrementAndGet();
        this.loops = LoopResources.create("s3-fault-proxy-" + id, 1, 2, true);
        this.pool = ConnectionProvider.builder("s3-fault-proxy-" + id)
                .maxConnections(64)
                .pendingAcquireMaxCount(-1)
                .build();
        this.upstream = HttpClient.create(pool).runOn(loops).baseUrl("http://127.0.0.1:" + upstreamPort);
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loops)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
    }

    static S3FaultProxy start(int upstreamPort, Path data) {
        LeakDetection.install();
        return new S3FaultProxy(upstreamPort, data);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** The next {@code count} requests are answered with {@code status} and an S3 error body. */
    public void failNext(int count, int status) {
        failNext(count, status, request -> true);
    }

    /**
     * The next {@code count} requests whose {@code METHOD /bucket/key?query} line {@code matches}
     * are answered with {@code status}; the others pass.
     */
    public void failNext(int count, int status, Predicate<String> matches) {
        failureStatus = status;
        failing = matches;
        failuresLeft.set(count);
    }

    /** Every request is answered with {@code status} until {@link #reset()}. */
    public void failAll(int status) {
        failNext(Integer.MAX_VALUE, status);
    }

    /** Every request is accepted and never answered (a server that hangs) until {@link #reset()}. */
    public void stallAll() {
        stalling = true;
    }

    public void conditionalWrites(Conditional mode) {
        conditional = mode;
    }

    /** Clears faults and the request log; conditional writes are enforced again. */
    public void reset() {
        failuresLeft.set(0);
        stalling = false;
        failing = request -> true;
        conditional = Conditional.ENFORCE;
        requests.clear();
    }

    /** The requests seen so far, as {@code METHOD /bucket/key?query}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
        pool.disposeLater().block(Duration.ofSeconds(10));
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(10)).block(Duration.ofSeconds(15));
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        String line = request.method() + " " + request.uri();
        requests.add(line);
        if (stalling) {
            return request.receive().then().then(Mono.never());
        }
        if (failing.test(line) && failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            int status = failureStatus;
            return error(request, response, status, status >= 500 ? "InternalError" : "AccessDenied");
        }
        boolean conditionalWrite = "*".equals(request.requestHeaders().get(HttpHeaderNames.IF_NONE_MATCH))
                && (request.method() == HttpMethod.PUT
                        || (request.method() == HttpMethod.POST && request.uri().contains("uploadId=")));
        if (!conditionalWrite || conditional == Conditional.IGNORE) {
            return forward(request, response);
        }
        if (conditional == Conditional.REJECT) {
            return error(request, response, 501, "NotImplemented");
        }
        String path = URI.create(request.uri()).getPath();
        if (Files.isRegularFile(data.resolve(path.substring(1)))) {
            return error(request, response, 412, "PreconditionFailed");
        }
        if (writing.putIfAbsent(path, Boolean.TRUE) != null) {
            return error(request, response, 409, "ConditionalRequestConflict");
        }
        return Mono.from(forward(request, response)).doFinally(s -> writing.remove(path));
    }

    private Publisher<Void> forward(HttpServerRequest request, HttpServerResponse response) {
        HttpHeaders headers = new DefaultHttpHeaders();
        request.requestHeaders().forEach(e -> {
            if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                headers.add(e.getKey(), e.getValue());
            }
        });
        return upstream.headers(h -> h.set(headers))
                .request(request.method())
                .uri(request.uri())
                .send(request.receive().retain())
                .response((upstreamResponse, body) -> {
                    response.status(upstreamResponse.status());
                    upstreamResponse.responseHeaders().forEach(e -> {
                        if (!HOP_BY_HOP.contains(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                            response.header(e.getKey(), e.getValue());
                        }
                    });
                    return response.send(body.retain()).then();
                })
                .then()
                .onErrorResume(e -> response.status(HttpResponseStatus.BAD_GATEWAY)
                        .sendString(Mono.just("upstream failed: " + e))
                        .then());
    }

    private static Publisher<Void> error(
            HttpServerRequest request, HttpServerResponse response, int status, String code) {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
                + "</Code><Message>injected by S3FaultProxy</Message><RequestId>0</RequestId></Error>";
        return request.receive()
                .then()
                .then(response.status(status)
                        .header(HttpHeaderNames.CONTENT_TYPE, "application/xml")
                        .sendString(Mono.just(xml))
                        .then());
    }
}
