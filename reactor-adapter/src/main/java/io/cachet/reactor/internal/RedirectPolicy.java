package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
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

    private static URI resolve(URI from, String location, String here) {
        URI relative;
        try {
            relative = new URI(location);
        } catch (URISyntaxException e) {
            throw refused("the redirect from " + here + " has an unusable Location '" + Text.printable(location, 100)
                    + "': " + e.getReason());
        }
        URI target = from.resolve(relative);
        if (target.getHost() == null) {
            return target; // Refused by the caller, with this URL in the message.
        }
        // Never send user info from a Location, nor its fragment; keep the rest exactly as encoded.
        StringBuilder b =
                new StringBuilder().append(target.getScheme()).append("://").append(target.getHost());
        if (target.getPort() != -1) {
            b.append(':').append(target.getPort());
        }
        String path = target.getRawPath();
        b.append(path == null || path.isEmpty() ? "/" : path);
        if (target.getRawQuery() != null) {
            b.append('?').append(target.getRawQuery());
        }
        try {
            return new URI(b.toString());
        } catch (URISyntaxException e) {
            throw refused(
                    "the redirect from " + here + " has an unusable Location '" + Text.printable(location, 100) + "'");
        }
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
