package io.cachet.reactor.internal;

import io.netty.resolver.NoopAddressResolverGroup;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.transport.ProxyProvider;

/** The reactor-netty side of {@link ProxySelection}: a client that goes through the chosen proxy. */
final class Proxies {
    private Proxies() {}

    /**
     * Applies the proxies chosen explicitly or by the environment to {@code client} for URLs of
     * {@code scheme}, leaving a client that configured its own proxy alone unless one was chosen
     * explicitly. With a proxy, no name is resolved here.
     *
     * @param explicitProxy the proxy set on the builder, or null
     * @param explicitNoProxy the hosts that bypass it, or null
     * @param environment where {@code HTTPS_PROXY} and the others are read when no proxy was set
     * @throws IllegalArgumentException if a proxy URL cannot be used, saying which
     */
    static HttpClient apply(
            HttpClient client,
            String scheme,
            @Nullable URI explicitProxy,
            @Nullable String explicitNoProxy,
            Map<String, String> environment) {
        ProxySelection selection;
        if (explicitProxy != null) {
            selection = ProxySelection.of(explicitProxy, explicitNoProxy);
        } else if (client.configuration().proxyProvider() != null
                || client.configuration().proxyProviderSupplier() != null) {
            return client;
        } else {
            selection = ProxySelection.fromEnvironment(environment);
        }
        ProxySelection.Proxy proxy = scheme.equals("https") ? selection.https() : selection.http();
        if (proxy == null) {
            return client;
        }
        ProxySelection bypass = selection;
        // The proxy resolves the target's name: no DNS lookup here, even when the caller's client has
        // its own resolver (runOn(LoopResources) installs one). Bypassed hosts are resolved by
        // reactor-netty when they are connected to directly.
        return client.resolver(NoopAddressResolverGroup.INSTANCE).proxy(spec -> {
            ProxyProvider.Builder b = spec.type(
                            proxy.kind() == ProxySelection.Proxy.Kind.HTTP
                                    ? ProxyProvider.Proxy.HTTP
                                    : ProxyProvider.Proxy.SOCKS5)
                    .host(proxy.host())
                    .port(proxy.port())
                    .nonProxyHostsPredicate(address -> bypasses(bypass, address));
            if (proxy.user() != null) {
                String password = proxy.password();
                b.username(proxy.user()).password(user -> password);
            }
        });
    }

    private static boolean bypasses(ProxySelection selection, SocketAddress address) {
        return address instanceof InetSocketAddress a && selection.bypass(a.getHostString(), a.getPort());
    }
}
