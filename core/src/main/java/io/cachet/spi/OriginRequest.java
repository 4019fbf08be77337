package io.cachet.spi;

import java.net.URI;
import java.util.Map;

/**
 * One request to an origin.
 *
 * @param uri what to fetch
 * @param offset the first byte wanted; above 0 only when resuming
 * @param validators the validators the bytes before {@code offset} were received with; empty when
 *     {@code offset} is 0
 * @param headers extra headers from the caller, such as credentials
 * @param expectedSize the size the caller expects, or -1; an origin may refuse early when the
 *     source declares more
 */
public record OriginRequest(
        URI uri, long offset, Validators validators, Map<String, String> headers, long expectedSize) {

    /** Validates the fields. */
    public OriginRequest {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        if (validators == null) {
            throw new IllegalArgumentException("validators must not be null; use Validators.NONE");
        }
        headers = Map.copyOf(headers);
    }

    /** A request for the whole artifact. */
    public static OriginRequest of(URI uri) {
        return new OriginRequest(uri, 0, Validators.NONE, Map.of(), -1);
    }

    /** {@link #uri} as it may appear in messages and logs: see {@link #redact(URI)}. */
    public String redactedUri() {
        return redact(uri);
    }

    /**
     * A URI as it may appear in messages, logs and files other users can read (RELIABILITY.md S13,
     * S18): no user info, no fragment, and a query shown as {@code ?...}; control characters escaped.
     */
    public static String redact(URI uri) {
        StringBuilder b = new StringBuilder();
        if (uri.getScheme() != null) {
            b.append(uri.getScheme()).append(':');
        }
        if (uri.isOpaque()) {
            return b.append("...").toString();
        }
        if (uri.getHost() != null) {
            b.append("//").append(uri.getHost());
            if (uri.getPort() != -1) {
                b.append(':').append(uri.getPort());
            }
        } else if (uri.getRawAuthority() != null) {
            b.append("//...");
        }
        if (uri.getRawPath() != null) {
            b.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            b.append("?...");
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                String escaped = String.format("\\u%04x", (int) c);
                b.replace(i, i + 1, escaped);
                i += escaped.length() - 1;
            }
        }
        return b.toString();
    }
}
