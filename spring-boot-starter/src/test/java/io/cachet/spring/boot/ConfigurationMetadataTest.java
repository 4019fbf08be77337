package io.cachet.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The metadata IDEs complete {@code cachet.*} properties from, generated at compile time. */
class ConfigurationMetadataTest {

    @Test
    void everyPropertyIsDescribedWithItsDefault() throws IOException {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the configuration processor's output").isNotNull();
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(metadata)
                .contains("\"name\": \"cachet.root\"")
                .contains("The cache directory, created if missing. Required.")
                .contains("\"name\": \"cachet.idle-timeout\"")
                .contains("\"defaultValue\": \"30s\"")
                .contains("\"name\": \"cachet.retry.max-retries\"")
                .contains("\"name\": \"cachet.http.connect-timeout\"")
                .contains("\"name\": \"cachet.metrics.store-rescan-interval\"")
                .contains("\"name\": \"cachet.health.min-free-space\"");
    }
}
