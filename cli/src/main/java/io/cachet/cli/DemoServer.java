package io.cachet.cli;

import io.netty.buffer.Unpooled;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The demo's origin: a reactor-netty server on 127.0.0.1 serving one artifact at a throttled
 * rate (chunks of {@value #CHUNK} bytes at a fixed pace), counting requests and bytes sent, so
 * the demo can show that many callers caused one request. It sends the first chunk, then holds
 * the rest until {@link #release()}, so the demo can have its child processes waiting for the
 * download before it goes on, however slowly their JVMs start.
 */
final class DemoServer implements AutoCloseable {
    static final int CHUNK = 256 * 1024;
    static final String PATH = "/model.bin";

    private final DisposableServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Sinks.Empty<Void> gate = Sinks.empty();
    private final CountDownLatch requested = new CountDownLatch(1);

    private DemoServer(byte[] artifact, long bytesPerSecond) {
        int chunks = (artifact.length + CHUNK - 1) / CHUNK;
        Duration pace = Duration.ofNanos(CHUNK * 1_000_000_000L / bytesPerSecond);
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get(PATH, (request, response) -> {
                    requests.incrementAndGet();
                    requested.countDown();
                    // The first chunk at once; the rest after release(), chunk i at
                    // release + i * pace, so that a late chunk does not delay the others.
                    Flux<Integer> rest = gate.asMono()
                            .then(Mono.fromSupplier(System::nanoTime))
                            .flatMapMany(start -> Flux.range(1, chunks - 1)
                                    .concatMap(
                                            i -> Mono.delay(Duration.ofNanos(Math.max(
                                                            0, start + i * pace.toNanos() - System.nanoTime())))
                                                    .thenReturn(i),
                                            1));
                    Flux<io.netty.buffer.ByteBuf> body = Flux.concat(Mono.just(0), rest)
                            .map(i -> {
                                int from = i * CHUNK;
                                int length = Math.min(CHUNK, artifact.length - from);
                                bytesSent.addAndGet(length);
                                return Unpooled.wrappedBuffer(artifact, from, length);
                            });
                    return response.header("Content-Length", Integer.toString(artifact.length))
                            .header("Content-Type", "application/octet-stream")
                            .header("ETag", "\"demo\"")
                            .send(body);
                }))
                .bindNow();
    }

    static DemoServer start(byte[] artifact, long bytesPerSecond) {
        return new DemoServer(artifact, bytesPerSecond);
    }

    /** Waits until the first request arrives, at most {@code timeout}; whether it did. */
    boolean awaitRequest(Duration timeout) throws InterruptedException {
        return requested.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the body go on after its first chunk. */
    void release() {
        gate.tryEmitEmpty();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.port() + PATH);
    }

    int requests() {
        return requests.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public void close() {
        release();
        server.disposeNow();
    }
}
