package io.cachet.reactor;

import io.cachet.reactor.internal.HttpOrigin;
import io.netty.channel.ChannelOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.tcp.SslProvider;

/**
 * Derives the origin's clients from the caller's (or the default) {@link HttpClient}. Every step
 * is reactor-netty's copy-on-write configuration, so the caller's client is never changed, and
 * the pool and event loops it names are shared, never replaced.
 *
 * <ul>
 *   <li>Redirects off (followed hop by hop by the origin) and compression off (no {@code gzip} is
 *       asked for or decoded), whatever the caller's client says.
 *   <li>The connect timeout.
 *   <li>Unless the client configures TLS itself: HTTP/2 and HTTP/1.1 offered by ALPN, and the
 *       JDK's trust store plus any extra trusted certificates, with host-name verification.
 *   <li>One client per scheme, because {@code https_proxy} and {@code http_proxy} may differ.
 * </ul>
 */
final class Clients {
  private Clients() {}

  static HttpOrigin.Settings settings(NettyOrigin.Builder.State state) {
    HttpClient base = state.client() != null ? state.client() : HttpClient.create();
    HttpClient c =
        base.followRedirect(false)
            .compress(false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, state.connectTimeout().toMillis()));
    boolean ownTls = base.configuration().sslProvider() != null;
    if (ownTls && !state.trusted().isEmpty()) {
      throw new IllegalArgumentException(
          "the HttpClient configures TLS itself; add the trusted certificates to its SslContext instead");
    }
    if (!ownTls) {
      c = state.http2() ? c.protocol(HttpProtocol.H2, HttpProtocol.HTTP11) : c.protocol(HttpProtocol.HTTP11);
      if (!state.trusted().isEmpty()) {
        TrustManagerFactory trust = trust(state.trusted());
        c = state.http2()
            ? c.secure(spec -> spec.sslContext((SslProvider.GenericSslContextSpec<?>) Http2SslContextSpec.forClient().configure(b -> b.trustManager(trust))))
            : c.secure(spec -> spec.sslContext((SslProvider.GenericSslContextSpec<?>) Http11SslContextSpec.forClient().configure(b -> b.trustManager(trust))));
      }
    }
    Map<String, String> env = state.environment() != null ? state.environment() : System.getenv();
    HttpClient http = HttpOrigin.withProxy(c, "http", state.proxy(), state.noProxy(), env);
    HttpClient https = HttpOrigin.withProxy(c, "https", state.proxy(), state.noProxy(), env);
    return new HttpOrigin.Settings(
        base, http, https, state.maxRedirects(), state.redirectFilter(), state.headerTimeout(), state.clock());
  }

  /** The JDK's default trust anchors plus {@code extra}. */
  private static TrustManagerFactory trust(List<X509Certificate> extra) {
    try {
      TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (TrustManager tm : jdk.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          for (X509Certificate ca : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("jdk-" + i++, ca);
          }
        }
      }
      for (X509Certificate cert : extra) {
        store.setCertificateEntry("extra-" + i++, cert);
      }
      TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      combined.init(store);
      return combined;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("could not build a trust store from the JDK's and the given certificates", e);
    }
  }
}
