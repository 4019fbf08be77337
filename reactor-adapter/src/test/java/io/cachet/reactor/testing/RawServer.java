package io.cachet.reactor.testing;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpServer;

/**
 * A TCP server that answers HTTP requests with exact bytes, for framing an HTTP server would never
 * produce: a close-delimited body, a chunked body without its last
 * chunk, conflicting {@code Content-Length}s. It reads a request head, records it, writes the next
 * enqueued bytes and closes the connection (FIN). Like {@link FaultyServer}, an unexpected request
 * fails the test, and every connection and event loop is stopped after each test.
 */
public final class RawServer implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    static {
        LeakDetection.install();
    }

    private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private @Nullable DisposableServer server;
    private @Nullable LoopResources loops;
    private @Nullable ChannelGroup channels;

    /** Answers the next request with {@code head} (CRLF line ends are added) and {@code body}. */
    public RawServer enqueue(String head, byte[] body) {
        byte[] h =
                (head.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        queue.add(all);
        return this;
    }

    /** Answers the next request with exactly {@code bytes}. */
    public RawServer enqueueBytes(byte[] bytes) {
        queue.add(bytes.clone());
        return this;
    }

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
            throw new AssertionError("the raw server got requests no response was scripted for: " + unexpected);
        }
        LeakDetection.checkAfterTest();
    }

    public synchronized RawServer start() {
        if (server != null) {
            return this;
        }
        loops = LoopResources.create("raw-server-" + INSTANCES.incrementAndGet(), 1, 1, true);
        channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        server = TcpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loops)
                .channelGroup(channels)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
        return this;
    }

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

    public URI url(String path) {
        DisposableServer s = server;
        if (s == null) {
            throw new IllegalStateException("the server is not started");
        }
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) s.address()).getPort() + path);
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    private Mono<Void> handle(NettyInbound in, NettyOutbound out) {
        StringBuilder head = new StringBuilder();
        return in.receive()
                .asString(StandardCharsets.ISO_8859_1)
                .doOnNext(head::append)
                .takeUntil(s -> head.indexOf("\r\n\r\n") >= 0)
                .then(Mono.defer(() -> {
                    byte[] answer = queue.poll();
                    record(head.toString(), answer == null);
                    if (answer == null) {
                        answer = "HTTP/1.1 500 Unexpected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1);
                    }
                    byte[] bytes = answer;
                    return out.sendByteArray(Mono.just(bytes))
                            .then()
                            .then(Mono.fromRunnable(
                                    () -> out.withConnection(c -> c.channel().close())));
                }))
                .then(Mono.never());
    }

    private void record(String head, boolean unexpected) {
        String[] lines = head.split("\r\n");
        String[] first = lines.length > 0 ? lines[0].split(" ") : new String[0];
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(
                        lines[i].substring(0, colon).strip(),
                        lines[i].substring(colon + 1).strip());
            }
        }
        requests.add(new RecordedRequest(
                sequence.getAndIncrement(),
                first.length > 0 ? first[0] : "",
                first.length > 1 ? first[1] : "",
                first.length > 2 ? first[2] : "",
                headers,
                "?",
                unexpected,
                new AtomicLong()));
    }

    /** {@code body} in chunked transfer coding (10 000-byte chunks), with or without its last chunk. */
    public static byte[] chunked(byte[] body, boolean terminated) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int from = 0; from < body.length; from += 10_000) {
            int n = Math.min(10_000, body.length - from);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, from, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        if (terminated) {
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }
}
