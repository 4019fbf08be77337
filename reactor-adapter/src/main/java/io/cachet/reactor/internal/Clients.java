package io.cachet.reactor.internal;

import io.netty.channel.ChannelOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;
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
 *   <li>Interim responses (103 Early Hints) dropped before reactor-netty sees them.
 *   <li>The connect timeout.
 *   <li>Unless the client configures TLS itself: HTTP/2 and HTTP/1.1 offered by ALPN, and the
 *       JDK's trust store plus any extra trusted certificates, with host-name verification.
 *   <li>One client per scheme, because {@code https_proxy} and {@code http_proxy} may differ.
 * </ul>
 */
final class Clients {
    private Clients() {}

    static HttpOrigin.Settings settings(HttpOrigin.Options options) {
        HttpClient base = options.client() != null ? options.client() : HttpClient.create();
        HttpClient c = base.followRedirect(false)
                .compress(false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .doOnRequest(InterimResponses::install);
        boolean ownTls = base.configuration().sslProvider() != null;
        if (ownTls && !options.trusted().isEmpty()) {
            throw new IllegalArgumentException(
                    "the HttpClient configures TLS itself; add the trusted certificates to its SslContext instead");
        }
        Map<String, String> env = options.environment() != null ? options.environment() : System.getenv();
        // Plain http speaks HTTP/1.1 (HTTP/2 needs ALPN). HttpClient.protocol(...) is not called for it
        // unless the caller's client asked for something else: calling it initialises reactor-netty's
        // default TLS context, loading the JDK's trust store, for connections that never use it.
        HttpClient plain = c;
        if (!ownTls
                && !List.of(HttpProtocol.HTTP11)
                        .equals(List.of(base.configuration().protocols()))) {
            plain = c.protocol(HttpProtocol.HTTP11);
        }
        HttpClient http = Proxies.apply(plain, "http", options.proxy(), options.noProxy(), env);
        HttpClient tlsBase = c;
        Supplier<HttpClient> https = memoize(() -> {
            HttpClient secure = tlsBase;
            if (!ownTls) {
                secure = options.http2()
                        ? secure.protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
                        : secure.protocol(HttpProtocol.HTTP11);
                if (!options.trusted().isEmpty()) {
                    TrustManagerFactory trust = trust(options.trusted());
                    secure = options.http2()
                            ? secure.secure(spec -> spec.sslContext((SslProvider.GenericSslContextSpec<?>)
                                    Http2SslContextSpec.forClient().configure(b -> b.trustManager(trust))))
                            : secure.secure(spec -> spec.sslContext((SslProvider.GenericSslContextSpec<?>)
                                    Http11SslContextSpec.forClient().configure(b -> b.trustManager(trust))));
                }
            }
            return Proxies.apply(secure, "https", options.proxy(), options.noProxy(), env);
        });
        return new HttpOrigin.Settings(
                http,
                https,
                options.maxRedirects(),
                options.redirectFilter(),
                options.responseHeaderTimeout(),
                options.clock());
    }

    /** {@code make}'s value, made once, on first use. */
    private static <T> Supplier<T> memoize(Supplier<T> make) {
        return new Supplier<>() {
            private volatile @Nullable T value;

            @Override
            public T get() {
                T v = value;
                if (v == null) {
                    synchronized (this) {
                        v = value;
                        if (v == null) {
                            v = make.get();
                            value = v;
                        }
                    }
                }
                return v;
            }
        };
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
            throw new IllegalStateException(
                    "could not build a trust store from the JDK's and the given certificates", e);
        }
    }
}
