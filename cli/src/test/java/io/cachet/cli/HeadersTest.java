package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersTest {

    @Test
    void splitsAtTheFirstColonAndTrimsBlanks() {
        assertThat(Headers.parse("Authorization:  Bearer abc ")).isEqualTo(Map.entry("Authorization", "Bearer abc"));
        assertThat(Headers.parse("X-Mirror: https://host:8443/x"))
                .isEqualTo(Map.entry("X-Mirror", "https://host:8443/x"));
        assertThat(Headers.parse("X-Empty:")).isEqualTo(Map.entry("X-Empty", ""));
    }

    @Test
    void aHeaderWithoutColonIsRefusedWithoutEchoingWhatMayBeASecret() {
        assertThatThrownBy(() -> Headers.parse("Authorization Bearer s3cr3t"))
                .hasMessageContaining("'Name: value'")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void anEmptyNameIsRefused() {
        assertThatThrownBy(() -> Headers.parse(": value")).hasMessageContaining("name");
    }
}
