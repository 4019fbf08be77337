package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.cachet.reactor.internal.ProxySelection.Proxy;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxySelectionTest {

    // ---- the environment ----

    @Test
    void readsOneProxyPerScheme() {
        ProxySelection s = ProxySelection.fromEnvironment(
                Map.of("HTTPS_PROXY", "http://secure-proxy:3128", "HTTP_PROXY", "http://plain-proxy:8080"));

        assertThat(s.https()).isEqualTo(new Proxy(Proxy.Kind.HTTP, "secure-proxy", 3128, null, null));
        assertThat(s.http()).isEqualTo(new Proxy(Proxy.Kind.HTTP, "plain-proxy", 8080, null, null));
    }

    @Test
    void lowerCaseWins() {
        ProxySelection s = ProxySelection.fromEnvironment(
                Map.of("https_proxy", "http://lower:1", "HTTPS_PROXY", "http://upper:2"));

        assertThat(s.https().host()).isEqualTo("lower");
    }

    @Test
    void ignoresUpperCaseHttpProxyInACgiProcess() {
        ProxySelection s =
                ProxySelection.fromEnvironment(Map.of("HTTP_PROXY", "http://evil:1", "REQUEST_METHOD", "GET"));

        assertThat(s.http()).isNull();
        assertThat(s.isDirect()).isTrue();
    }

    @Test
    void aProxyWithoutSchemeIsAnHttpProxyOnPort80() {
        assertThat(ProxySelection.fromEnvironment(Map.of("http_proxy", "proxy.internal"))
                        .http())
                .isEqualTo(new Proxy(Proxy.Kind.HTTP, "proxy.internal", 80, null, null));
    }

    @Test
    void credentialsInTheProxyUrlGoToTheProxyAndNotIntoItsName() {
        Proxy p = ProxySelection.fromEnvironment(Map.of("https_proxy", "http://me:s3cret@proxy:3128"))
                .https();

        assertThat(p.user()).isEqualTo("me");
        assertThat(p.password()).isEqualTo("s3cret");
        assertThat(p.toString()).doesNotContain("s3cret").doesNotContain("me");
    }

    @Test
    void socks5IsSupported() {
        assertThat(ProxySelection.of(URI.create("socks5://127.0.0.1:1080"), null)
                        .https()
                        .kind())
                .isEqualTo(Proxy.Kind.SOCKS5);
    }

    @Test
    void anUnusableProxyIsAClearErrorThatDoesNotEchoTheValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProxySelection.fromEnvironment(Map.of("https_proxy", "https://me:s3cret@proxy:3128")))
                .withMessage("https_proxy uses the scheme 'https'; use an http:// or socks5:// proxy URL");
    }

    @Test
    void emptyVariablesMeanNoProxy() {
        assertThat(ProxySelection.fromEnvironment(Map.of("https_proxy", " ", "http_proxy", ""))
                        .isDirect())
                .isTrue();
    }

    // ---- NO_PROXY ----

    @Test
    void noProxyMatchesAHostAndItsSubdomains() {
        ProxySelection s =
                ProxySelection.fromEnvironment(Map.of("https_proxy", "p:1", "NO_PROXY", "example.com, .internal"));

        assertThat(s.bypass("example.com", 443)).isTrue();
        assertThat(s.bypass("cdn.example.com", 443)).isTrue();
        assertThat(s.bypass("a.b.internal", 443)).isTrue();
        assertThat(s.bypass("notexample.com", 443)).isFalse();
        assertThat(s.bypass("example.com.evil", 443)).isFalse();
    }

    @Test
    void noProxyCanNameAPort() {
        ProxySelection s = ProxySelection.fromEnvironment(Map.of("no_proxy", "artifacts:8080"));

        assertThat(s.bypass("artifacts", 8080)).isTrue();
        assertThat(s.bypass("artifacts", 443)).isFalse();
    }

    @Test
    void noProxyCanNameAddressBlocks() {
        ProxySelection s = ProxySelection.fromEnvironment(Map.of("no_proxy", "10.0.0.0/8,fd00::/8"));

        assertThat(s.bypass("10.1.2.3", 80)).isTrue();
        assertThat(s.bypass("11.1.2.3", 80)).isFalse();
        assertThat(s.bypass("[fd00::1]", 80)).isTrue();
        assertThat(s.bypass("ten.example", 80)).isFalse();
    }

    @Test
    void aStarBypassesEverything() {
        assertThat(ProxySelection.fromEnvironment(Map.of("no_proxy", "*")).bypass("anything.example", 1))
                .isTrue();
    }

    @Test
    void loopbackIsNeverProxied() {
        ProxySelection s = ProxySelection.of(URI.create("http://proxy:3128"), null);

        assertThat(s.bypass("localhost", 80)).isTrue();
        assertThat(s.bypass("127.0.0.2", 80)).isTrue();
        assertThat(s.bypass("[::1]", 80)).isTrue();
        assertThat(s.bypass("artifacts.example", 80)).isFalse();
    }
}
