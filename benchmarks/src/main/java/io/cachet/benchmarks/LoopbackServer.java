package io.cachet.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A reactor-netty HTTP/1.1 server on 127.0.0.1 (never another address), on one event loop of its
 * own so that its thread is easy to tell apart in a profile. Routes:
 *
 * <ul>
 *   <li>{@code /mem/SIZE}: SIZE bytes of {@link Bodies}' pattern, sent from direct memory in 64
 *       KiB slices (no copy, no disk);
 *   <li>{@code /file/NAME}: the file NAME of the directory given, sent with {@code sendfile(2)}
 *       (zero copy), as nginx with {@code sendfile on} does;
 *   <li>{@code /small/SIZE/INDEX}: {@link Bodies#small}.
 * </ul>
 */
public final class LoopbackServer implements AutoCloseable {
    private static final int SLICE = 64 * 1024;
    private static final ByteBuf PATTERN = Unpooled.unreleasableBuffer(Unpooled.directBuffer(Bodies.PATTERN_SIZE)
            .writeBytes(Bodies.array())
            .asReadOnly());

    private final LoopResources loop = LoopResources.create("bench-server", 1, true);
    private final DisposableServer server;

    private LoopbackServer(Path files) {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .runOn(loop)
                .route(routes -> routes.get("/mem/{size}", (req, res) -> {
                            long size = Long.parseLong(req.param("size"));
                            return res.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(size))
                                    .send(memory(size));
                        })
                        .get("/file/{name}", (req, res) -> {
                            Path file = files.resolve(req.param("name")).normalize();
                            if (!file.startsWith(files) || !Files.isRegularFile(file)) {
                                return res.status(HttpResponseStatus.NOT_FOUND).send();
                            }
                            long length;
                            try {
                                length = Files.size(file);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            return res.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(length))
                                    .sendFile(file);
                        })
                        .get("/small/{size}/{index}", (req, res) -> {
                            byte[] body = Bodies.small(
                                    Integer.parseInt(req.param("index")), Integer.parseInt(req.param("size")));
                            return res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
                                    .send(Flux.just(Unpooled.wrappedBuffer(body)));
                        }))
                .bindNow();
    }

    /** Starts a server; {@code files} is the directory {@code /file/} serves. */
    public static LoopbackServer start(Path files) {
        return new LoopbackServer(files.toAbsolutePath().normalize());
    }

    /** The URI of {@code path} on this server. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static Flux<ByteBuf> memory(long size) {
        return Flux.generate(() -> 0L, (position, sink) -> {
            if (position >= size) {
                sink.complete();
                return position;
            }
            int at = (int) (position % Bodies.PATTERN_SIZE);
            int n = (int) Math.min(Math.min(SLICE, size - position), Bodies.PATTERN_SIZE - at);
            sink.next(PATTERN.slice(at, n));
            return position + n;
        });
    }

    @Override
    public void close() {
        server.disposeNow();
        loop.disposeLater().block();
    }
}
