package io.cachet.examples.readme;

import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.spring.boot.CachetBuilderCustomizer;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.FileSystemResource;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** README.md, "With Spring Boot", and spring-boot-starter/README.md: compiled, never run. */
class WithSpringBoot {
    private static final FetchRequest RESNET = FetchRequest.of("https://models.example/resnet50.onnx")
            .withSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    @Bean
    RouterFunction<ServerResponse> modelRoute(Cache cache) { // the starter's Cache bean
        return RouterFunctions.route()
                .GET(
                        "/models/resnet",
                        request -> cache.fetch(RESNET)
                                .flatMap(model -> ServerResponse.ok()
                                        .body(BodyInserters.fromResource(new FileSystemResource(model.path())))))
                .build();
    }

    @Bean
    CachetBuilderCustomizer patientWithSlowOrigins() {
        return builder -> builder.minThroughput(0, Duration.ofMinutes(1)); // some origins trickle
    }
}
