package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which redirects are followed, and with which of the caller's headers. Redirects are how an origin,
 * or whoever controls one hop, sends a client somewhere it was not asked to go: in a loop, to
 * {@code file:}, from https down to plain http, into an internal network, or to a host that should
 * not see the caller's token (curl's CVE-2018-1000007 and reactor-netty's CVE-2020-5404 were that).
 * Every hop is checked on its own, so a chain A → B → A is judged hop by hop:
 *
 * <ul>
 *   <li>At most {@code maxRedirects} hops (the hard cap is {@link #MAX_REDIRECTS}).
 *   <li>Only {@code http} and {@code https} targets; never from {@code https} to {@code http}.
 *   <li>Whenever scheme, host or port changes, the caller's headers are dropped for the rest of the
 *       chain, except a few that carry no secret ({@link #HARMLESS}): {@code Authorization},
 *       {@code Cookie}, {@code Proxy-Authorization} and any token in a custom header never reach
 *       another origin, and are not restored when the chain comes back.
 *   <li>A target must pass the caller's filter (for example, no private networks).
 *   <li>User info and fragments in a {@code Location} are dropped, never sent.
 * </ul>
 *
 * <p>A refusal is a permanent {@link OriginFailure} naming both URLs (redacted).
 */
final class RedirectPolicy {
    static final int MAX_REDIRECTS = 10;

    /** Caller headers that may follow a redirect to another origin. */
    static final Set<String> HARMLESS = Set.of("accept", "accept-language", "user-agent");

    private final int maxRedirects;
    private final Predicate<URI> allowed;

    RedirectPolicy(int maxRedirects, Predicate<URI> allowed) {
        if (maxRedirects < 0 || maxRedirects > MAX_REDIRECTS) {
            throw new IllegalArgumentException(
                    "max redirects must be between 0 and " + MAX_REDIRECTS + ": " + maxRedirects);
        }
        this.maxRedirects = maxRedirects;
        this.allowed = allowed;
    }

    /** Where the next hop goes, and with which caller headers. */
    record Hop(URI target, Map<String, String> headers) {}

    static boolean isRedirect(int status) {
        return StatusClassifier.of(status) == StatusClassifier.Kind.REDIRECT;
    }

    /**
     * The hop after {@code from} answered {@code status} with {@code location}.
     *
     * @param hops how many redirects were followed before this one
     * @param headers the caller headers sent to {@code from}
     * @throws OriginFailure if the redirect must not be followed
     */
    Hop next(URI from, int status, @Nullable String location, Map<String, String> headers, int hops) {
        String here = Redact.url(from);
        if (location == null || location.isBlank()) {
            throw refused("HTTP " + status + " from " + here + " has no Location to follow");
        }
        if (hops >= maxRedirects) {
            throw refused("more than " + maxRedirects + " redirects, the last from " + here
                    + "; the origin may be redirecting in a loop");
        }
        URI target = resolve(from, location.strip(), here);
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw refused("refused the redirect from " + here + " to a '" + Text.printable(scheme, 20)
                    + ":' URL; only http and https redirects are followed");
        }
        if (isHttps(from) && scheme.equals("http")) {
            throw refused("refused the redirect from " + here + " to " + Redact.url(target)
                    + ": it would downgrade https to plain http");
        }
        if (target.getHost() == null || target.getHost().isEmpty()) {
            throw refused("refused the redirect from " + here + " to " + Redact.url(target) + ": it names no host");
        }
        if (!allowed.test(target)) {
            throw refused("refused the redirect from " + here + " to " + Redact.url(target)
                    + ": the origin's redirect filter does not allow that destination");
        }
        Map<String, String> kept = headers;
        if (!sameOrigin(from, target)) {
            kept = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (HARMLESS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    kept.put(h.getKey(), h.getValue());
                }
            }
        }
        return new Hop(target, Map.copyOf(kept));
    }

    /**
     * {@code location} resolved against {@code from} as RFC 3986 §5.2 says (Java's {@link
     * URI#resolve} keeps {@code ..} segments that climb above the root, and mishandles a reference
     * that is only a query), without user info or fragment, and otherwise exactly as encoded.
     */
    private static URI resolve(URI from, String location, String here) {
        URI ref;
        try {
            ref = new URI(encodeNonAscii(location));
        } catch (URISyntaxException e) {
            throw refused("the redirect from " + here + " has an unusable Location '" + Text.printable(location, 100)
                    + "': " + e.getReason());
        }
        if (ref.isOpaque()) {
            return ref; // "data:,x", "mailto:...": refused by the scheme check, with this URL in the message.
        }
        String scheme;
        String host;
        int port;
        String path;
        String query = ref.getRawQuery();
        String refPath = ref.getRawPath() == null ? "" : ref.getRawPath();
        if (ref.getScheme() != null || ref.getRawAuthority() != null) {
            scheme = ref.getScheme() != null ? ref.getScheme() : from.getScheme();
            host = ref.getHost();
            port = ref.getPort();
            path = removeDotSegments(refPath);
        } else {
            scheme = from.getScheme();
            host = from.getHost();
            port = from.getPort();
            String base = from.getRawPath() == null ? "" : from.getRawPath();
            if (refPath.isEmpty()) {
                path = base;
                query = query != null ? query : from.getRawQuery();
            } else if (refPath.startsWith("/")) {
                path = removeDotSegments(refPath);
            } else {
                path = removeDotSegments(
                        base.isEmpty() ? "/" + refPath : base.substring(0, base.lastIndexOf('/') + 1) + refPath);
            }
        }
        if (host == null) {
            try {
                return new URI(scheme, null, path, null); // Refused by the caller, with this URL in the message.
            } catch (URISyntaxException e) {
                throw refused("the redirect from " + here + " has an unusable Location '"
                        + Text.printable(location, 100) + "'");
            }
        }
        StringBuilder b = new StringBuilder().append(scheme).append("://").append(host);
        if (port != -1) {
            b.append(':').append(port);
        }
        b.append(path.isEmpty() ? "/" : path);
        if (query != null) {
            b.append('?').append(query);
        }
        try {
            return new URI(b.toString());
        } catch (URISyntaxException e) {
            throw refused(
                    "the redirect from " + here + " has an unusable Location '" + Text.printable(location, 100) + "'");
        }
    }

    /**
     * {@code location} with every character above U+007F percent-encoded as the bytes it came in.
     * Netty reads header bytes one to a character, so the UTF-8 {@code é} a server wrote arrives as
     * two characters, {@code Ã©}, which become {@code %C3%A9}: the bytes the server sent, as curl
     * sends them. A character above U+00FF (not from the wire) is encoded as UTF-8.
     */
    static String encodeNonAscii(String location) {
        StringBuilder b = null;
        for (int i = 0; i < location.length(); i++) {
            char c = location.charAt(i);
            if (c < 0x80) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(location.length() + 16).append(location, 0, i);
            }
            byte[] bytes;
            if (c <= 0xff) {
                bytes = new byte[] {(byte) c};
            } else {
                int cp = location.codePointAt(i);
                bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                i += Character.charCount(cp) - 1;
            }
            for (byte x : bytes) {
                b.append('%').append(HEX[(x >> 4) & 0xf]).append(HEX[x & 0xf]);
            }
        }
        return b == null ? location : b.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** RFC 3986 §5.2.4: {@code .} and {@code ..} segments removed, none climbing above the root. */
    static String removeDotSegments(String path) {
        StringBuilder in = new StringBuilder(path);
        StringBuilder out = new StringBuilder(path.length());
        while (in.length() > 0) {
            if (startsWith(in, "../")) {
                in.delete(0, 3);
            } else if (startsWith(in, "./")) {
                in.delete(0, 2);
            } else if (startsWith(in, "/./")) {
                in.delete(0, 2);
            } else if (in.toString().equals("/.")) {
                in.replace(0, 2, "/");
            } else if (startsWith(in, "/../")) {
                in.delete(0, 3);
                out.setLength(Math.max(0, out.lastIndexOf("/")));
            } else if (in.toString().equals("/..")) {
                in.replace(0, 3, "/");
                out.setLength(Math.max(0, out.lastIndexOf("/")));
            } else if (in.toString().equals(".") || in.toString().equals("..")) {
                in.setLength(0);
            } else {
                int next = in.indexOf("/", in.charAt(0) == '/' ? 1 : 0);
                int end = next < 0 ? in.length() : next;
                out.append(in, 0, end);
                in.delete(0, end);
            }
        }
        return out.toString();
    }

    private static boolean startsWith(StringBuilder b, String prefix) {
        return b.length() >= prefix.length() && b.substring(0, prefix.length()).equals(prefix);
    }

    static boolean sameOrigin(URI a, URI b) {
        return scheme(a).equals(scheme(b)) && host(a).equals(host(b)) && port(a) == port(b);
    }

    private static boolean isHttps(URI uri) {
        return scheme(uri).equals("https");
    }

    private static String scheme(URI uri) {
        return uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    }

    private static String host(URI uri) {
        return uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    }

    static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return switch (scheme(uri)) {
            case "https" -> 443;
            case "http" -> 80;
            default -> -1;
        };
    }

    private static OriginFailure refused(String message) {
        return new OriginFailure(message, 0, false, null, null);
    }
}
