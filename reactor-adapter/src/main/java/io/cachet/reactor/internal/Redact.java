package io.cachet.reactor.internal;

import io.cachet.spi.OriginRequest;
import java.net.URI;

/**
 * Text that may appear in messages and logs (RELIABILITY.md S18): URLs without user info, query or
 * fragment, and server-supplied strings without control characters, bounded in length.
 */
final class Redact {
    private Redact() {}

    /** The URL without credentials or query values, as the engine shows it: {@code https://host:8443/path?...}. */
    static String url(URI uri) {
        return printable(OriginRequest.redact(uri), 300);
    }

    /** {@code s} with control characters escaped, cut to {@code max} characters. */
    static String printable(String s, int max) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (out.length() >= max) {
                return out.append("...").toString();
            }
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
