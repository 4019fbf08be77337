package io.cachet.spi;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules for text that crosses Cachet's boundaries, in one place for the engine, its origins and
 * its command line: what a caller may put in a request header, and how URLs, server-supplied
 * strings, sizes and durations appear in messages and logs.
 */
public final class Text {
    /**
     * Headers an origin sets itself (framing, resume, connection management), lower case. A request
     * that names one is refused before any I/O.
     */
    public static final Set<String> RESERVED_HEADERS = Set.of(
            "host",
            "range",
            "if-range",
            "content-length",
            "transfer-encoding",
            "accept-encoding",
            "connection",
            "upgrade",
            "te",
            "trailer",
            "proxy-connection",
            "keep-alive",
            "expect");

    /** The longest URL a message shows. */
    public static final int MAX_URL = 512;

    private static final String TOKEN_PUNCTUATION = "!#$%&'*+-.^_`|~";
    private static final String[] BYTE_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Text() {}

    /**
     * What is wrong with a caller's header, or null if it may be sent: the name must be an HTTP
     * token and not {@linkplain #RESERVED_HEADERS reserved}; the value must hold no control
     * character (CR, LF, NUL and the rest of {@code U+0000-U+001F} but tab, and {@code U+007F}).
     */
    public static @Nullable String headerProblem(@Nullable String name, @Nullable String value) {
        if (name == null || name.isEmpty() || !isToken(name)) {
            return "a header name is letters, digits and " + TOKEN_PUNCTUATION + " only";
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            return "Cachet sets this header itself (for resume, ranges and framing); leave it out";
        }
        if (value == null) {
            return "a header value must not be null";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return "a header value must not contain control characters such as CR, LF or NUL";
            }
        }
        return null;
    }

    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || TOKEN_PUNCTUATION.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * A URI as it may appear in messages, logs and files other users can read: no user info, no
     * fragment, a query shown as {@code ?...}, control characters escaped, at most {@value #MAX_URL}
     * characters (then ending in {@code ...}).
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
        return printable(b.toString(), MAX_URL);
    }

    /** {@code s} with control characters shown as {@code \\uXXXX}; see {@link #printable(String, int)}. */
    public static String printable(String s) {
        return printable(s, Integer.MAX_VALUE);
    }

    /**
     * {@code s} with control characters shown as {@code \\uXXXX}, cut to {@code max} characters
     * (then ending in {@code ...}), so that a message never carries raw control characters or a
     * megabyte of someone else's text.
     */
    public static String printable(String s, int max) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (out.length() >= max) {
                return out.append("...").toString();
            }
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A byte count for people: {@code 512 B}, {@code 1.5 MiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int u = -1;
        while (v >= 1024 && u < BYTE_UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, BYTE_UNITS[u]);
    }

    /** A duration as people and the command line write it: {@code 500ms}, {@code 2.5s}, {@code 5m}, {@code 2m30s}. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 1000 != 0 && ms < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 120) {
            return s + "s";
        }
        return s % 60 == 0 ? (s / 60) + "m" : (s / 60) + "m" + (s % 60) + "s";
    }
}
