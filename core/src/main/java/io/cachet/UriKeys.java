package io.cachet;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * RFC 3986 syntax-based normalization (section 6.2.2) of the URIs that become keys: case,
 * percent-encoding and dot segments, plus the scheme's default port (6.2.3). Nothing is decoded that
 * could change what the URI names.
 */
final class UriKeys {
    private static final String UNRESERVED_PUNCTUATION = "-._~";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private UriKeys() {}

    static String normalize(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(scheme).append(':');
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getHost() != null) {
            b.append("//").append(uri.getHost().toLowerCase(Locale.ROOT));
            int port = uri.getPort();
            if (port != -1 && port != defaultPort(scheme)) {
                b.append(':').append(port);
            }
            if (rawPath.isEmpty()) {
                rawPath = "/";
            }
        }
        b.append(removeDotSegments(escapes(rawPath)));
        if (uri.getRawQuery() != null) {
            b.append('?').append(escapes(uri.getRawQuery()));
        }
        try {
            return new URI(b.toString()).toASCIIString(); // Other characters as UTF-8 escapes.
        } catch (URISyntaxException e) {
            throw InvalidRequestException.of(
                    "uri", io.cachet.spi.Text.redact(uri), "the URI cannot be used as a key: " + e.getReason());
        }
    }

    private static int defaultPort(String scheme) {
        return switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            default -> -1;
        };
    }

    /** Escapes of unreserved characters decoded, every other escape in upper case. */
    static String escapes(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && isHex(raw.charAt(i + 1)) && isHex(raw.charAt(i + 2))) {
                int value = Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16);
                if (isUnreserved((char) value)) {
                    out.append((char) value);
                } else {
                    out.append('%').append(HEX[value >> 4]).append(HEX[value & 0xF]);
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** RFC 3986 section 5.2.4, for an absolute path (a path without a leading slash is kept as is). */
    static String removeDotSegments(String path) {
        if (!path.startsWith("/") || !path.contains("/.")) {
            return path;
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (segment.equals("..")) {
                out.pollLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(segment);
            }
        }
        return "/" + String.join("/", out);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || UNRESERVED_PUNCTUATION.indexOf(c) >= 0;
    }
}
