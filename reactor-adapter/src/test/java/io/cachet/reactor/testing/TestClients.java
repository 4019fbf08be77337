package io.cachet.reactor.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Client resources that belong to one test, the way a WebFlux service owns its own: a {@link
 * ConnectionProvider} and {@link LoopResources} named {@code test-client-N}, disposed after the test
 * so no pooled connection or event-loop thread outlives it.
 */
public final class TestClients implements AfterEachCallback {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final int maxConnections;
    private @Nullable ConnectionProvider provider;
    private @Nullable LoopResources loops;
    private @Nullable String name;

    public TestClients() {
        this(16);
    }

    public TestClients(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** A client on this test's pool and event loops. */
    public synchronized HttpClient client() {
        if (provider == null) {
            name = "test-client-" + INSTANCES.incrementAndGet();
            provider = ConnectionProvider.builder(name)
                    .maxConnections(maxConnections)
                    .pendingAcquireMaxCount(-1)
                    .pendingAcquireTimeout(Duration.ofSeconds(30))
                    .build();
            loops = LoopResources.create(name, 1, 2, true);
        }
        return HttpClient.create(provider).runOn(loops);
    }

    /** The prefix of this test's event-loop thread names. */
    public synchronized String threadPrefix() {
        client();
        return name;
    }

    public synchronized ConnectionProvider provider() {
        client();
        return provider;
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (provider != null) {
            provider.disposeLater().block(Duration.ofSeconds(10));
            provider = null;
        }
        if (loops != null) {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(10)).block(Duration.ofSeconds(15));
            loops = null;
        }
    }
}
