package io.cachet.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** How URLs appear in messages, logs and files that other users may read. */
class OriginRequestTest {

    @Test
    void aRedactedUrlKeepsSchemeHostPortAndPathOnly() {
        assertThat(OriginRequest.redact(URI.create("https://user:secret@example.com:8443/a/b%20c.bin?token=t#frag")))
                .isEqualTo("https://example.com:8443/a/b%20c.bin?...");
        assertThat(OriginRequest.redact(URI.create("http://example.com/model.bin")))
                .isEqualTo("http://example.com/model.bin");
        assertThat(OriginRequest.redact(URI.create("file:///srv/mirror/x.bin"))).isEqualTo("file:/srv/mirror/x.bin");
    }

    @Test
    void anOpaqueOrRegistryBasedUrlShowsNoDetails() {
        assertThat(OriginRequest.redact(URI.create("mailto:someone@example.com")))
                .isEqualTo("mailto:...");
        assertThat(OriginRequest.redact(URI.create("http://user@under_score:1/p")))
                .as("no host was parsed: the authority may hold credentials")
                .isEqualTo("http://.../p");
    }
}
