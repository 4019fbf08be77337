package io.cachet;

import java.net.URI;

/** Small text helpers shared by the API types: printable quoting and URI redaction. */
final class Text {
    private Text() {}

    /** Shows control characters as {@code \\uXXXX} so an error message never carries them raw. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** See {@link io.cachet.spi.OriginRequest#redact(URI)}. */
    static String redact(URI uri) {
        return io.cachet.spi.OriginRequest.redact(uri);
    }

    /** Formats a byte count for people: {@code 1.5 MiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
