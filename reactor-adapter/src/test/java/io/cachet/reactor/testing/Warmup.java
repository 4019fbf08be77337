package io.cachet.reactor.testing;

import io.cachet.reactor.NettyOrigin;
import io.cachet.spi.OriginRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Makes one request through {@link NettyOrigin} once per JVM, before tests that time the first
 * response with a short limit: the very first exchange in a JVM loads and links much of Netty and
 * the JDK's TLS stack, which takes seconds on a busy machine and is not what those tests measure.
 */
public final class Warmup {
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private Warmup() {}

    public static void once() {
        if (!DONE.compareAndSet(false, true)) {
            return;
        }
        FaultyServer server = new FaultyServer().start();
        ConnectionProvider provider = ConnectionProvider.create("warmup", 1);
        LoopResources loops = LoopResources.create("warmup", 1, 1, true);
        try {
            server.enqueue(Response.ok(new byte[1024]));
            NettyOrigin.builder(HttpClient.create(provider).runOn(loops))
                    .build()
                    .open(OriginRequest.of(server.url("/warmup")))
                    .flatMap(r -> r.body().then())
                    .block(Duration.ofSeconds(60));
        } finally {
            provider.disposeLater().block(Duration.ofSeconds(10));
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(10)).block(Duration.ofSeconds(15));
            server.close();
        }
    }
}
