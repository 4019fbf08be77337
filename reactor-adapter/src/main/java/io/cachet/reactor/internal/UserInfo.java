package io.cachet.reactor.internal;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Credentials in a URL's user info ({@code http://user:password@host/}), as curl uses them: sent as
 * {@code Authorization: Basic} to that origin (scheme, host and port) only, user and password
 * percent-decoded as UTF-8 ({@code %40} is {@code @}, {@code +} stays {@code +}); a URL with a user
 * and no password sends an empty password. The user info itself never goes on the wire, in the
 * request line or in {@code Host}, and never into a message or a log ({@link Redact#url}).
 */
final class UserInfo {
    private UserInfo() {}

    /** The {@code Authorization} value for {@code uri}'s user info, or null if it has none. */
    static @Nullable String basic(URI uri) {
        String raw = uri.getRawUserInfo();
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        int colon = raw.indexOf(':');
        String user = colon < 0 ? raw : raw.substring(0, colon);
        String password = colon < 0 ? "" : raw.substring(colon + 1);
        byte[] pair = (decode(user) + ":" + decode(password)).getBytes(StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair);
    }

    /** {@code uri} without its user info, the rest exactly as encoded. */
    static URI strip(URI uri) {
        if (uri.getRawUserInfo() == null || uri.getHost() == null) {
            return uri;
        }
        // getHost() keeps an IPv6 literal's brackets.
        StringBuilder b =
                new StringBuilder().append(uri.getScheme()).append("://").append(uri.getHost());
        if (uri.getPort() != -1) {
            b.append(':').append(uri.getPort());
        }
        b.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        try {
            return new URI(b.toString());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the URL without its user info is not a URL: " + Redact.url(uri), e);
        }
    }

    /**
     * Percent-decoding as RFC 3986 defines it: {@code %XX} is one octet, octets are UTF-8. The URI
     * parser has already refused a {@code %} not followed by two hex digits.
     */
    private static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            if (s.charAt(i) == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s, i + 1, i + 3, 16));
                i += 3;
            } else {
                int c = s.codePointAt(i);
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
