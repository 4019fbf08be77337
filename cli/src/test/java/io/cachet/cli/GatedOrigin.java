package io.cachet.cli;

import io.netty.buffer.Unpooled;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An origin that sends the first {@code prefix} bytes of its body, then holds the rest until the
 * test opens the gate: a download the test can keep in progress for exactly as long as it needs,
 * with no clock involved.
 */
final class GatedOrigin implements AutoCloseable {
    private final Sinks.Empty<Void> gate = Sinks.empty();
    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();
    private final DisposableServer server;

    GatedOrigin(byte[] body, int prefix) {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> {
                    requests.incrementAndGet();
                    requested.countDown();
                    Flux<io.netty.buffer.ByteBuf> bytes = Flux.concat(
                            Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body, 0, prefix)),
                            gate.asMono()
                                    .then(Mono.fromSupplier(
                                            () -> Unpooled.wrappedBuffer(body, prefix, body.length - prefix))));
                    return response.header("Content-Length", Integer.toString(body.length))
                            .header("ETag", "\"gated\"")
                            .send(bytes);
                })
                .bindNow();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** Waits (at most 60 s) until the first request arrives. */
    void awaitRequest() throws InterruptedException {
        if (!requested.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("no request reached the gated origin within 60 s");
        }
    }

    void open() {
        gate.tryEmitEmpty();
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        open();
        server.disposeNow();
    }
}
