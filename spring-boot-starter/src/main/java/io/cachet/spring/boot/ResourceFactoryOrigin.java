package io.cachet.spring.boot;

import io.cachet.reactor.NettyOrigin;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import java.net.URI;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The HTTP origin on the connection pool and event loops of the application's {@link
 * ReactorResourceFactory}, the ones its web server and WebClient use. The factory creates them only
 * when the application context starts, and re-creates them if it is stopped and started again, so
 * the origin is built on first use and rebuilt whenever the factory's resources change.
 */
final class ResourceFactoryOrigin implements Origin {
    private final ReactorResourceFactory factory;
    private final Function<HttpClient, NettyOrigin> build;
    private volatile @Nullable Built built;

    ResourceFactoryOrigin(ReactorResourceFactory factory, Function<HttpClient, NettyOrigin> build) {
        this.factory = factory;
        this.build = build;
    }

    @Override
    public boolean supports(URI uri) {
        String scheme = uri.getScheme();
        return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.defer(() -> current().open(request));
    }

    private NettyOrigin current() {
        if (!factory.isRunning()) {
            // A fetch before the context started (from an initializer): start the resources now, as
            // the context would; starting again later does nothing.
            factory.start();
        }
        ConnectionProvider provider = factory.getConnectionProvider();
        LoopResources loops = factory.getLoopResources();
        Built last = built;
        if (last != null && last.provider == provider && last.loops == loops) {
            return last.origin;
        }
        // Two first requests at once may both build one; either is right, and neither owns anything.
        NettyOrigin origin = build.apply(HttpClient.create(provider).runOn(loops));
        built = new Built(provider, loops, origin);
        return origin;
    }

    @Override
    public String toString() {
        return "NettyOrigin on the application's ReactorResourceFactory";
    }

    private record Built(ConnectionProvider provider, LoopResources loops, NettyOrigin origin) {}
}
