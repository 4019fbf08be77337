package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.spi.OriginFailure;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedirectPolicyTest {
    private static final Map<String, String> CREDENTIALS = Map.of(
            "Authorization", "Bearer secret",
            "Cookie", "session=secret",
            "Proxy-Authorization", "Basic secret",
            "X-Api-Key", "secret",
            "User-Agent", "cachet-test");

    private final RedirectPolicy policy = new RedirectPolicy(10, uri -> true);

    // ---- where a redirect may go ----

    @Test
    void resolvesARelativeLocationAgainstTheUrlThatAnswered() {
        RedirectPolicy.Hop hop = policy.next(uri("https://a.example/dir/x.bin?v=1"), 302, "../y.bin?v=2", Map.of(), 0);

        assertThat(hop.target()).isEqualTo(uri("https://a.example/y.bin?v=2"));
    }

    @Test
    void removesDotSegmentsThatClimbAboveTheRootAsRfc3986Does() {
        assertThat(policy.next(uri("http://a.example/r"), 302, "../../../f", Map.of(), 0)
                        .target())
                .isEqualTo(uri("http://a.example/f"));
        assertThat(policy.next(uri("http://a.example/a/b/c"), 302, "/x/../../y/./z", Map.of(), 0)
                        .target())
                .isEqualTo(uri("http://a.example/y/z"));
        assertThat(policy.next(uri("http://a.example/r"), 302, "http://b.example/a/../../g?q=..", Map.of(), 0)
                        .target())
                .isEqualTo(uri("http://b.example/g?q=.."));
    }

    /** The reference resolution examples of RFC 3986 §5.4, normal and abnormal, with http URLs. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = ' ',
            value = {
                "g http://a/b/c/g",
                "./g http://a/b/c/g",
                "g/ http://a/b/c/g/",
                "/g http://a/g",
                "//g http://g/",
                "?y http://a/b/c/d;p?y",
                "g?y http://a/b/c/g?y",
                "#s http://a/b/c/d;p?q",
                "g#s http://a/b/c/g",
                "g?y#s http://a/b/c/g?y",
                ";x http://a/b/c/;x",
                "g;x http://a/b/c/g;x",
                ". http://a/b/c/",
                "./ http://a/b/c/",
                ".. http://a/b/",
                "../ http://a/b/",
                "../g http://a/b/g",
                "../.. http://a/",
                "../../ http://a/",
                "../../g http://a/g",
                "../../../g http://a/g",
                "../../../../g http://a/g",
                "/./g http://a/g",
                "/../g http://a/g",
                "g. http://a/b/c/g.",
                ".g http://a/b/c/.g",
                "g.. http://a/b/c/g..",
                "..g http://a/b/c/..g",
                "./../g http://a/b/g",
                "./g/. http://a/b/c/g/",
                "g/./h http://a/b/c/g/h",
                "g/../h http://a/b/c/h",
                "g;x=1/./y http://a/b/c/g;x=1/y",
                "g;x=1/../y http://a/b/c/y",
                "g?y/./x http://a/b/c/g?y/./x",
                "g?y/../x http://a/b/c/g?y/../x",
                "g#s/./x http://a/b/c/g",
                "http://b/a/../../g http://b/g",
            })
    void resolvesLocationsAsRfc3986Does(String location, String expected) {
        assertThat(policy.next(uri("http://a/b/c/d;p?q"), 302, location, Map.of(), 0)
                        .target()
                        .toString())
                .isEqualTo(expected);
    }

    @Test
    void aRawUtf8LocationIsPercentEncodedAsUtf8() {
        // What Netty hands over for the bytes of "/dir/ü ß.bin" in UTF-8: each byte as one character.
        String asReceived =
                new String("/dir/\u00fc\u00df.bin".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        assertThat(policy.next(uri("http://a.example/x"), 302, asReceived, Map.of(), 0)
                        .target()
                        .toString())
                .isEqualTo("http://a.example/dir/%C3%BC%C3%9F.bin");
    }

    @Test
    void followsPlainHttpUpgradingToHttps() {
        assertThat(policy.next(uri("http://a.example/x"), 301, "https://a.example/x", Map.of(), 0)
                        .target())
                .isEqualTo(uri("https://a.example/x"));
    }

    @Test
    void refusesToDowngradeHttpsToHttp() {
        assertThatThrownBy(() -> policy.next(uri("https://a.example/x"), 302, "http://a.example/x", Map.of(), 0))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse())
                .hasMessage(
                        "refused the redirect from https://a.example/x to http://a.example/x: it would downgrade https"
                                + " to plain http");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"file:///etc/passwd", "ftp://a.example/.bashrc", "jar:file:/x.jar!/a", "gopher://a/", "data:,x"})
    void followsOnlyHttpAndHttps(String location) {
        assertThatThrownBy(() -> policy.next(uri("http://a.example/x"), 302, location, Map.of(), 0))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("only http and https redirects are followed");
    }

    @Test
    void stopsAfterTheMaximumNumberOfHops() {
        assertThat(policy.next(uri("http://a.example/x"), 302, "/x", Map.of(), 9))
                .isNotNull();
        assertThatThrownBy(() -> policy.next(uri("http://a.example/x"), 302, "/x", Map.of(), 10))
                .isInstanceOf(OriginFailure.class)
                .hasMessage(
                        "more than 10 redirects, the last from http://a.example/x; the origin may be redirecting in a loop");
    }

    @Test
    void aPolicyWithZeroRedirectsFollowsNone() {
        assertThatThrownBy(() -> new RedirectPolicy(0, u -> true).next(uri("http://a/x"), 302, "/y", Map.of(), 0))
                .isInstanceOf(OriginFailure.class);
    }

    @Test
    void cannotBeConfiguredBeyondTheHardCap() {
        assertThatThrownBy(() -> new RedirectPolicy(11, u -> true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRedirectWithoutLocationIsAFailure() {
        assertThatThrownBy(() -> policy.next(uri("http://a.example/x"), 302, null, Map.of(), 0))
                .hasMessage("HTTP 302 from http://a.example/x has no Location to follow");
    }

    @Test
    void anUnparsableLocationIsAFailure() {
        assertThatThrownBy(() -> policy.next(uri("http://a.example/x"), 302, "http://a b/", Map.of(), 0))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("unusable Location");
    }

    @Test
    void theCallersFilterCanRefuseADestination() {
        RedirectPolicy noMetadata = new RedirectPolicy(10, u -> !u.getHost().equals("169.254.169.254"));

        assertThatThrownBy(() ->
                        noMetadata.next(uri("http://a.example/x"), 302, "http://169.254.169.254/latest", Map.of(), 0))
                .isInstanceOf(OriginFailure.class)
                .hasMessage(
                        "refused the redirect from http://a.example/x to http://169.254.169.254/latest: the origin's"
                                + " redirect filter does not allow that destination");
    }

    @Test
    void neverSendsUserInfoOrAFragmentFromALocation() {
        assertThat(policy.next(uri("http://a.example/x"), 302, "http://user:pw@b.example:81/y?q=1#frag", Map.of(), 0)
                        .target())
                .isEqualTo(uri("http://b.example:81/y?q=1"));
    }

    @Test
    void keepsTheEncodingOfTheLocation() {
        assertThat(policy.next(uri("http://a.example/x"), 302, "/a%2Fb%20c?x=%26", Map.of(), 0)
                        .target()
                        .toString())
                .isEqualTo("http://a.example/a%2Fb%20c?x=%26");
    }

    @Test
    void messagesNeverCarryCredentialsOrQueries() {
        assertThatThrownBy(() -> policy.next(
                        uri("https://u:pw@a.example/x?token=s3"), 302, "http://u:pw@b/y?token=s3", Map.of(), 0))
                .hasMessageNotContaining("pw")
                .hasMessageNotContaining("s3");
    }

    // ---- which headers follow ----

    @Test
    void keepsTheCallersHeadersOnTheSameOrigin() {
        assertThat(policy.next(uri("https://a.example/x"), 302, "/y", CREDENTIALS, 0)
                        .headers())
                .isEqualTo(CREDENTIALS);
    }

    @Test
    void theSameOriginIgnoresCaseAndDefaultPorts() {
        assertThat(policy.next(uri("https://A.example/x"), 302, "https://a.EXAMPLE:443/y", CREDENTIALS, 0)
                        .headers())
                .isEqualTo(CREDENTIALS);
    }

    @Test
    void dropsCredentialsForAnotherHost() {
        assertThat(policy.next(uri("https://a.example/x"), 302, "https://b.example/x", CREDENTIALS, 0)
                        .headers())
                .containsOnlyKeys("User-Agent");
    }

    @Test
    void dropsCredentialsForAnotherPort() {
        assertThat(policy.next(uri("http://a.example:8080/x"), 302, "http://a.example:8081/x", CREDENTIALS, 0)
                        .headers())
                .containsOnlyKeys("User-Agent");
    }

    @Test
    void dropsCredentialsForAnotherSchemeEvenOnTheSameHost() {
        assertThat(policy.next(uri("http://a.example/x"), 302, "https://a.example/x", CREDENTIALS, 0)
                        .headers())
                .containsOnlyKeys("User-Agent");
    }

    @Test
    void aChainThatComesBackDoesNotGetTheCredentialsBack() {
        RedirectPolicy.Hop toB = policy.next(uri("http://a.example/x"), 302, "http://b.example/x", CREDENTIALS, 0);
        RedirectPolicy.Hop backToA = policy.next(toB.target(), 302, "http://a.example/other", toB.headers(), 1);

        assertThat(backToA.headers()).containsOnlyKeys("User-Agent");
    }

    @Test
    void comparesOriginsByEffectivePort() {
        assertThat(RedirectPolicy.sameOrigin(uri("http://a/x"), uri("http://a:80/y")))
                .isTrue();
        assertThat(RedirectPolicy.sameOrigin(uri("http://a/x"), uri("https://a:80/y")))
                .isFalse();
        assertThat(RedirectPolicy.sameOrigin(uri("http://127.0.0.1:80/"), uri("http://127.0.0.2:80/")))
                .isFalse();
    }

    private static URI uri(String s) {
        return URI.create(s);
    }
}
