package io.cachet.reactor.internal;

import io.cachet.spi.Text;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which proxy, if any, a request goes through: one set explicitly, or the conventional environment
 * variables {@code https_proxy}/{@code HTTPS_PROXY} (for https URLs), {@code http_proxy}/{@code
 * HTTP_PROXY} (for http URLs) and {@code no_proxy}/{@code NO_PROXY}; lower case wins, as in curl.
 * {@code HTTP_PROXY} in upper case is ignored when {@code REQUEST_METHOD} is set: in a CGI
 * process it may come from a request header ("httpoxy").
 *
 * <p>{@code NO_PROXY} is a comma-separated list of host names (matching the host and its
 * subdomains, with or without a leading dot), {@code host:port}, IP literals, CIDR blocks
 * ({@code 10.0.0.0/8}), or {@code *} for everything. Loopback ({@code localhost}, {@code 127.*},
 * {@code ::1}) is never proxied. Proxy URLs are {@code http://[user:password@]host[:port]} (the
 * credentials go to the proxy as {@code Proxy-Authorization}) or {@code socks5://host[:port]}; a
 * value without a scheme is an http proxy.
 *
 * @param http the proxy for http URLs, or null
 * @param https the proxy for https URLs, or null
 * @param noProxy the {@code NO_PROXY} list, parsed
 */
record ProxySelection(@Nullable Proxy http, @Nullable Proxy https, List<String> noProxy) {

    /** No proxy at all. */
    static final ProxySelection DIRECT = new ProxySelection(null, null, List.of());

    /** A proxy server. */
    record Proxy(
            Kind kind,
            String host,
            int port,
            @Nullable String user,
            @Nullable String password) {
        enum Kind {
            HTTP,
            SOCKS5
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + "://" + (user == null ? "" : "...@") + host + ":" + port;
        }
    }

    ProxySelection {
        noProxy = List.copyOf(noProxy);
    }

    /** One proxy for both schemes, bypassed for the hosts in {@code noProxy} (may be null). */
    static ProxySelection of(URI proxy, @Nullable String noProxy) {
        Proxy p = parse(proxy.toString(), "the proxy");
        return new ProxySelection(p, p, list(noProxy));
    }

    /** The proxies the environment names. */
    static ProxySelection fromEnvironment(Map<String, String> env) {
        String http = value(env, "http_proxy");
        if (http == null && value(env, "REQUEST_METHOD") == null) {
            http = value(env, "HTTP_PROXY");
        }
        String https = value(env, "https_proxy");
        if (https == null) {
            https = value(env, "HTTPS_PROXY");
        }
        String no = value(env, "no_proxy");
        if (no == null) {
            no = value(env, "NO_PROXY");
        }
        return new ProxySelection(
                http == null ? null : parse(http, "http_proxy"),
                https == null ? null : parse(https, "https_proxy"),
                list(no));
    }

    boolean isDirect() {
        return http == null && https == null;
    }

    /** Whether a connection to {@code host}:{@code port} bypasses the proxy. */
    boolean bypass(String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost")
                || h.endsWith(".localhost")
                || h.startsWith("127.")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        for (String entry : noProxy) {
            if (matches(entry, h, port)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String entry, String host, int port) {
        if (entry.equals("*")) {
            return true;
        }
        if (entry.contains("/")) {
            return inBlock(entry, host);
        }
        String name = entry;
        int colon = entry.lastIndexOf(':');
        if (colon > 0 && entry.indexOf(':') == colon && !entry.endsWith("]")) {
            String p = entry.substring(colon + 1);
            name = entry.substring(0, colon);
            if (!p.equals(Integer.toString(port))) {
                return false;
            }
        }
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.startsWith("*.")) {
            name = name.substring(1);
        }
        if (name.startsWith(".")) {
            name = name.substring(1);
        }
        return !name.isEmpty() && (host.equals(name) || host.endsWith("." + name));
    }

    private static boolean inBlock(String cidr, String host) {
        int slash = cidr.indexOf('/');
        byte[] net = literal(cidr.substring(0, slash));
        byte[] addr = literal(host);
        if (net == null || addr == null || net.length != addr.length) {
            return false;
        }
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (bits < 0 || bits > net.length * 8) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((net[i / 8] & mask) != (addr[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of an IP literal, or null for anything else (never a DNS lookup). */
    private static byte @Nullable [] literal(String s) {
        boolean v4 = !s.isEmpty() && s.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
        boolean v6 =
                s.indexOf(':') >= 0 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static @Nullable String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static List<String> list(@Nullable String value) {
        List<String> entries = new ArrayList<>();
        if (value != null) {
            for (String e : value.split(",")) {
                String entry = e.strip().toLowerCase(Locale.ROOT);
                if (!entry.isEmpty()) {
                    entries.add(entry);
                }
            }
        }
        return entries;
    }

    private static Proxy parse(String value, String name) {
        String v = value.contains("://") ? value : "http://" + value;
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " is not a proxy URL: " + e.getReason());
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Proxy.Kind kind;
        int defaultPort;
        switch (scheme) {
            case "http" -> {
                kind = Proxy.Kind.HTTP;
                defaultPort = 80;
            }
            case "socks5", "socks5h" -> {
                kind = Proxy.Kind.SOCKS5;
                defaultPort = 1080;
            }
            default ->
                throw new IllegalArgumentException(name + " uses the scheme '" + Text.printable(scheme, 20)
                        + "'; use an http:// or socks5:// proxy URL");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(name + " names no proxy host");
        }
        String user = null;
        String password = null;
        String info = uri.getUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = colon < 0 ? info : info.substring(0, colon);
            password = colon < 0 ? "" : info.substring(colon + 1);
        }
        return new Proxy(kind, uri.getHost(), uri.getPort() == -1 ? defaultPort : uri.getPort(), user, password);
    }
}
