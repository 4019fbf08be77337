package io.cachet.reactor.testing;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.SslProvider;

/**
 * A fault-injecting HTTP server on loopback, modelled on OkHttp's MockWebServer: a reactor-netty
 * {@link HttpServer} on {@code 127.0.0.1:0} (or another loopback address) that answers each request
 * with the next {@link Response} enqueued, else with what {@link #serve} registered for the path,
 * else with a 500 that fails the test after it ran: an unexpected request is loud.
 *
 * <pre>{@code
 * @RegisterExtension final FaultyServer server = new FaultyServer();
 * @RegisterExtension final FaultyServer other = FaultyServer.onHost("127.0.0.2").samePortAs(server);
 *
 * server.enqueue(Response.ok(BODY).etag("\"v1\"").disconnectAfter(4096));
 * server.serve("/model.bin", BODY);                           // honours Range and If-Range
 * server.serve("/big.bin", Served.bytes(BODY).limitRate(1 << 20).ignoreRangesAfter(4));
 * ... fetch server.url("/model.bin") ...
 * assertThat(server.takeRequest().header("Range")).isNull();
 * assertThat(server.takeRequest().header("Range")).isEqualTo("bytes=4096-");
 * }</pre>
 *
 * <p>Every request is recorded (method, target, headers, connection, bytes sent). A {@code
 * CONNECT} is answered 200 and the connection kept, after which the tunnelled request is served by
 * this same server: enough to play an HTTP proxy. As a JUnit extension the server starts before
 * each test and stops after it, closing every connection and its event loops, then fails the test
 * if a request was unexpected or Netty reported a leaked buffer. Outside JUnit, use {@link #start()}
 * and {@link #close()}.
 */
public final class FaultyServer implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    static {
        LeakDetection.install();
    }

    private final String host;
    private final @Nullable TestCertificates tls;
    private final boolean http2;
    private final @Nullable FaultyServer samePortAs;

    private final Queue<Response> queue = new ConcurrentLinkedQueue<>();
    private final Map<String, Served.Registration> served = new ConcurrentHashMap<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    // Recorded on the event loops, which must not block: a lock-free queue, and a semaphore whose
    // release never parks (a LinkedBlockingQueue's lock, when contended, parks the event loop).
    private final Queue<RecordedRequest> untaken = new ConcurrentLinkedQueue<>();
    private final Semaphore arrived = new Semaphore(0);
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger paced = new AtomicInteger();
    private volatile Scheduler pacing = Schedulers.parallel();

    private @Nullable DisposableServer server;
    private @Nullable LoopResources loops;
    private @Nullable ChannelGroup channels;

    /** A plain HTTP server on {@code 127.0.0.1}. */
    public FaultyServer() {
        this("127.0.0.1", null, false, null);
    }

    private FaultyServer(
            String host, @Nullable TestCertificates tls, boolean http2, @Nullable FaultyServer samePortAs) {
        this.host = host;
        this.tls = tls;
        this.http2 = http2;
        this.samePortAs = samePortAs;
    }

    /** A server on another loopback address, such as {@code 127.0.0.2}: another host. */
    public static FaultyServer onHost(String host) {
        return new FaultyServer(host, null, false, null);
    }

    /** The same server over TLS with the {@link TestCertificates#LOCALHOST} certificate. */
    public FaultyServer tls() {
        return tls(TestCertificates.LOCALHOST);
    }

    /** The same server over TLS with {@code certificate}. */
    public FaultyServer tls(TestCertificates certificate) {
        return new FaultyServer(host, certificate, http2, samePortAs);
    }

    /** The same server offering HTTP/2 by ALPN (TLS only). */
    public FaultyServer http2() {
        return new FaultyServer(host, tls, true, samePortAs);
    }

    /** The same server bound to the port {@code other} got (on another address): same port, other host. */
    public FaultyServer samePortAs(FaultyServer other) {
        return new FaultyServer(host, tls, http2, other);
    }

    /** Whether this machine can bind {@code host}; Linux binds all of 127.0.0.0/8. */
    public static boolean canBind(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    // ---- lifecycle ----

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
        List<RecordedRequest> unexpected =
                requests.stream().filter(RecordedRequest::unexpected).toList();
        if (!unexpected.isEmpty()) {
            throw new AssertionError("the server got requests no response was scripted for: " + unexpected);
        }
        LeakDetection.checkAfterTest();
    }

    /** Starts the server; idempotent. */
    public synchronized FaultyServer start() {
        if (server != null) {
            return this;
        }
        int id = INSTANCES.incrementAndGet();
        loops = LoopResources.create("faulty-server-" + id, 1, 2, true);
        channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        HttpServer s = HttpServer.create()
                .host(host)
                .port(samePortAs == null ? 0 : samePortAs.port())
                .runOn(loops)
                .channelGroup(channels)
                .doOnChannelInit((observer, channel, remote) -> connections.incrementAndGet())
                .handle(this::handle);
        if (tls != null) {
            SslProvider.GenericSslContextSpec<?> spec = http2
                    ? Http2SslContextSpec.forServer(tls.keyManagers())
                    : Http11SslContextSpec.forServer(tls.keyManagers());
            s = s.secure(ssl -> ssl.sslContext(spec));
            s = http2 ? s.protocol(HttpProtocol.H2, HttpProtocol.HTTP11) : s.protocol(HttpProtocol.HTTP11);
        }
        server = s.bindNow(Duration.ofSeconds(10));
        return this;
    }

    /** Closes every connection, stops listening and stops the event loops; idempotent. */
    @Override
    public synchronized void close() {
        if (channels != null) {
            channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            channels = null;
        }
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(10));
            server = null;
        }
        if (loops != null) {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(10)).block(Duration.ofSeconds(15));
            loops = null;
        }
    }

    // ---- scripting ----

    /** Answers the next request with {@code response}. */
    public FaultyServer enqueue(Response response) {
        queue.add(response);
        return this;
    }

    /**
     * Serves {@code body} at {@code path} to any number of requests, with a strong ETag ({@link
     * #etagOf}) and a Last-Modified, honouring {@code Range} (206, or 416 past the end) unless
     * {@code If-Range} names another version; see {@link Served}. Replaces what was served there
     * before.
     */
    public FaultyServer serve(String path, byte[] body) {
        return serve(path, Served.bytes(body));
    }

    /** Serves {@code served} at {@code path}, with its rate limit and faults; replaces what was served there before. */
    public FaultyServer serve(String path, Served served) {
        this.served.put(path, served.register());
        return this;
    }

    /** The strong ETag {@link #serve} gives {@code body}: a quoted prefix of its SHA-256. */
    public static String etagOf(byte[] body) {
        return Served.etagOf(body, 1);
    }

    /**
     * Paces trickled, throttled and rate-limited answers on {@code timer} from now on: a {@code
     * VirtualTimeScheduler} makes their bytes a function of virtual time. Default: {@link
     * Schedulers#parallel()}.
     */
    public FaultyServer pacedBy(Scheduler timer) {
        this.pacing = timer;
        return this;
    }

    // ---- where and what ----

    public int port() {
        DisposableServer s = server;
        if (s == null) {
            throw new IllegalStateException("the server is not started");
        }
        return ((InetSocketAddress) s.address()).getPort();
    }

    public String host() {
        return host;
    }

    /** The URL of {@code path} on this server. */
    public URI url(String path) {
        return URI.create((tls != null ? "https" : "http") + "://" + host + ":" + port() + path);
    }

    /** Every request so far, in arrival order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    /** How many body bytes this server handed to its connections, over every request so far. */
    public long bytesSent() {
        return requests.stream().mapToLong(RecordedRequest::bytesSent).sum();
    }

    /**
     * How many paced answers (trickle, throttle, rate limit) have their clock running: after that,
     * moving a virtual {@link #pacedBy} clock moves them.
     */
    public int pacedAnswers() {
        return paced.get();
    }

    /** How many connections were accepted. */
    public int connectionCount() {
        return connections.get();
    }

    /**
     * The oldest request not taken yet, waiting up to 10 seconds for it.
     *
     * @throws AssertionError if none arrives
     */
    public RecordedRequest takeRequest() {
        try {
            if (!arrived.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AssertionError("no request arrived at " + host + ":" + port() + " within 10 s");
            }
            return untaken.remove();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    /** The oldest request not taken yet, waiting up to {@code wait} for it; null if none came. */
    public @Nullable RecordedRequest pollRequest(Duration wait) {
        try {
            return arrived.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS) ? untaken.remove() : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    // ---- answering ----

    private Mono<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        req.requestHeaders().forEach(h -> headers.putIfAbsent(h.getKey(), h.getValue()));
        String connection = req.remoteAddress() == null
                ? "?"
                : Integer.toString(req.remoteAddress().getPort());
        AtomicLong sent = new AtomicLong();
        if (req.method().equals(HttpMethod.CONNECT)) {
            record(new RecordedRequest(
                    sequence.getAndIncrement(),
                    "CONNECT",
                    req.uri(),
                    req.version().text(),
                    headers,
                    connection,
                    false,
                    sent));
            return res.status(200).send().then(Mono.never());
        }
        Response response = queue.poll();
        boolean unexpected = false;
        if (response == null) {
            Served.Registration s = served.get(req.fullPath());
            if (s != null) {
                response = s.answer(headers.get("Range"), headers.get("If-Range"), connection);
            }
        }
        if (response == null) {
            unexpected = true;
            response = Response.status(500)
                    .body(("unexpected request: nothing was enqueued or served for " + req.method() + " " + req.uri())
                            .getBytes(StandardCharsets.UTF_8));
        }
        record(new RecordedRequest(
                sequence.getAndIncrement(),
                req.method().name(),
                req.uri(),
                req.version().text(),
                headers,
                connection,
                unexpected,
                sent));
        return Responder.respond(res, response, sent, pacing, paced::incrementAndGet);
    }

    private void record(RecordedRequest r) {
        requests.add(r);
        untaken.add(r);
        arrived.release();
    }

    @Override
    public String toString() {
        return "FaultyServer[" + host + (server == null ? "" : ":" + port()) + (tls != null ? ", tls" : "") + "]";
    }
}
