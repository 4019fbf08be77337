package io.cachet.examples.modelserver;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CachetException;
import io.cachet.IntegrityException;
import io.cachet.LockTimeoutException;
import io.cachet.OriginException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET /models/{name}}: the model's verified file, fetched through the cache. */
@Configuration(proxyBeanMethods = false)
public class ModelRoutes {
    private final Cache cache;
    private final ModelCatalog models;

    public ModelRoutes(Cache cache, ModelCatalog models) {
        this.cache = cache;
        this.models = models;
    }

    @Bean
    RouterFunction<ServerResponse> modelsRoute() {
        return RouterFunctions.route().GET("/models/{name}", this::model).build();
    }

    /**
     * The model's file, sent from disk without copying it through the JVM (zero-copy), whole or the
     * byte range the client asked for with {@code Range} (206). The ETag is the file's SHA-256.
     */
    Mono<ServerResponse> model(ServerRequest request) {
        return models.request(request.pathVariable("name"))
                .map(fetch -> cache.fetch(fetch)
                        .flatMap(this::send)
                        .onErrorResume(CachetException.class, ModelRoutes::failure))
                .orElseGet(() -> ServerResponse.notFound().build());
    }

    private Mono<ServerResponse> send(Artifact artifact) {
        return ServerResponse.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .eTag(artifact.sha256().hex())
                .body(BodyInserters.fromResource(new FileSystemResource(artifact.path())));
    }

    /** Cachet's errors say what happened, without credentials or query strings: pass them on. */
    private static Mono<ServerResponse> failure(CachetException error) {
        HttpStatus status;
        if (error instanceof OriginException || error instanceof IntegrityException) {
            status = HttpStatus.BAD_GATEWAY;
        } else if (error instanceof LockTimeoutException) {
            status = HttpStatus.SERVICE_UNAVAILABLE;
        } else {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        return ServerResponse.status(status).contentType(MediaType.TEXT_PLAIN).bodyValue(error.getMessage() + "\n");
    }
}
