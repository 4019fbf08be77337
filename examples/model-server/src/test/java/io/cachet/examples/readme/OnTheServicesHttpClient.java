package io.cachet.examples.readme;

import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.reactor.NettyOrigin;
import java.nio.file.Path;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.FileSystemResource;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** README.md, "In a WebFlux service, on the service's own HttpClient": compiled, never run. */
class OnTheServicesHttpClient {
    private final Cache cache;
    private final String modelUrl;
    private final String modelSha;

    OnTheServicesHttpClient(Cache cache, String modelUrl, String modelSha) {
        this.cache = cache;
        this.modelUrl = modelUrl;
        this.modelSha = modelSha;
    }

    @Bean
    Cache artifactCache(HttpClient httpClient) { // the service's client: its pool, event loops, metrics
        return Cache.builder()
                .root(Path.of("/var/cache/models"))
                .origin(NettyOrigin.builder(httpClient).build())
                .build();
    }

    Mono<ServerResponse> model(ServerRequest request) {
        return cache.fetch(FetchRequest.of(modelUrl).withSha256(modelSha))
                .flatMap(a -> ServerResponse.ok().body(BodyInserters.fromResource(new FileSystemResource(a.path()))));
    }
}
