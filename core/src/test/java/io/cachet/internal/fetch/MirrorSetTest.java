package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.FetchRequest;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** docs/architecture.md, "Mirrors": which source is used, dropped, and blamed, without I/O. */
class MirrorSetTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private final Mirrors mirrors = new Mirrors(
            List.of(source("https://origin.test/m"), source("https://a.test/m"), source("https://b.test/m")),
            FetchRequest.of("https://origin.test/m").withSha256(SHA),
            Duration.ofSeconds(30));
    private final Mirrors.Mirror own = mirrors.primary();

    @Test
    void oneStreamUsesTheFirstSourceStillInUse() {
        assertThat(mirrors.current()).isSameAs(own);
        assertThat(mirrors.drop(own)).isTrue();
        assertThat(mirrors.current().url).isEqualTo("https://a.test/m");
    }

    @Test
    void theLastSourceIsNeverDropped() {
        mirrors.drop(own);
        mirrors.drop(mirrors.current());
        Mirrors.Mirror b = mirrors.current();

        assertThat(b.url).isEqualTo("https://b.test/m");
        assertThat(mirrors.hasOtherThan(b)).isFalse();
        assertThat(mirrors.drop(b)).isFalse();
        assertThat(mirrors.current()).isSameAs(b);
    }

    @Test
    void newConnectionsGoToTheSourceWithTheFewest() {
        mirrors.connected(own, 1);
        Mirrors.Mirror a = mirrors.pick();
        assertThat(a.url).isEqualTo("https://a.test/m");
        mirrors.connected(a, 1);
        assertThat(mirrors.pick().url).isEqualTo("https://b.test/m");
        assertThat(mirrors.inUse()).containsExactly("https://origin.test/m", "https://a.test/m");
    }

    @Test
    void eachSourceKeepsItsOwnValidatorsAndAChangeIsNoticed() {
        Validators v1 = new Validators("\"v1\"", null);
        assertThat(mirrors.answered(own, v1)).isTrue();
        assertThat(mirrors.answered(own, v1)).isTrue();
        assertThat(mirrors.answered(own, new Validators("\"v2\"", null))).isFalse();
        assertThat(mirrors.validators(second())).isEqualTo(Validators.NONE);
    }

    @Test
    void wrongBytesFromOneSourceDropThatSource() {
        Mirrors.Mirror a = second();
        mirrors.wrote(a);

        assertThat(mirrors.blame()).isTrue();
        assertThat(mirrors.isDropped(a)).isTrue();
        assertThat(mirrors.isDropped(own)).isFalse();
    }

    @Test
    void wrongBytesFromSeveralSourcesGoOnWithOneSourceAtATime() {
        Mirrors.Mirror a = second();
        mirrors.wrote(own);
        mirrors.wrote(a);

        assertThat(mirrors.blame()).isTrue();
        assertThat(mirrors.pick()).as("solo").isSameAs(own);
        mirrors.startOver();
        mirrors.wrote(own);
        assertThat(mirrors.blame())
                .as("the solo source alone wrote them: it goes")
                .isTrue();
        assertThat(mirrors.pick()).isSameAs(a);
        assertThat(mirrors.current()).isSameAs(a);
    }

    @Test
    void wrongBytesFromTheOnlySourceLeftFailTheDownload() {
        Mirrors alone = new Mirrors(
                List.of(source("https://origin.test/m")),
                FetchRequest.of("https://origin.test/m").withSha256(SHA),
                Duration.ofSeconds(30));
        alone.wrote(alone.primary());

        assertThat(alone.blame()).isFalse();
    }

    /** The first mirror: what a new connection gets while the request's own URI has one. */
    private Mirrors.Mirror second() {
        mirrors.connected(own, 1);
        Mirrors.Mirror a = mirrors.pick();
        mirrors.connected(own, -1);
        return a;
    }

    private static Download.Source source(String uri) {
        return new Download.Source(new NoOrigin(), URI.create(uri), Map.of());
    }

    private static final class NoOrigin implements io.cachet.spi.Origin {
        @Override
        public boolean supports(URI uri) {
            return true;
        }

        @Override
        public Mono<OriginResponse> open(OriginRequest request) {
            return Mono.error(new IllegalStateException("not asked in these tests"));
        }
    }
}
