package io.cachet.examples.modelserver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Serves models through Cachet: {@code GET /models/{name}} answers with the verified file, downloaded
 * once however many clients ask at the same moment. The {@link io.cachet.Cache} bean, its metrics and
 * its health come from {@code cachet-spring-boot-starter}.
 */
@SpringBootApplication
@EnableConfigurationProperties(ModelCatalog.class)
public class ModelServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ModelServerApplication.class, args);
    }
}
