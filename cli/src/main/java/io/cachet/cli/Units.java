package io.cachet.cli;

import io.cachet.spi.Text;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DURATION and SIZE syntax of the command line, and how the progress display writes rates
 * and times back (sizes are written as {@link Text#bytes} writes them, as in every message).
 *
 * <pre>
 * DURATION  NUMBER UNIT        UNIT: ms, s, m, h      500ms  2s  1.5s  5m  1h   (0 alone is zero)
 * SIZE      NUMBER [UNIT]      UNIT: B, KiB, MiB, GiB, TiB (powers of 1024)
 *                              1048576  64KiB  10MiB  2GiB  1.5GiB
 * </pre>
 *
 * Units are case-insensitive. Decimal units (KB, MB, GB) are refused rather than guessed, because
 * people mean either powers of 1000 or of 1024 by them.
 */
final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

    private Units() {}

    /** Parses a DURATION; the message of the exception says how to write one. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid duration '" + text
                    + "': write a number and a unit (ms, s, m or h), such as 500ms, 2s or 5m");
        }
        BigDecimal millisPerUnit = switch (m.group(2)) {
            case "ms" -> BigDecimal.ONE;
            case "s" -> BigDecimal.valueOf(1_000);
            case "m" -> BigDecimal.valueOf(60_000);
            default -> BigDecimal.valueOf(3_600_000);
        };
        BigDecimal millis = new BigDecimal(m.group(1)).multiply(millisPerUnit);
        if (millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
            throw new IllegalArgumentException("invalid duration '" + text + "': too long");
        }
        if (millis.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("invalid duration '" + text + "': the smallest step is 1ms");
        }
        return Duration.ofMillis(millis.longValueExact());
    }

    /** Parses a SIZE into bytes; the message of the exception says how to write one. */
    static long parseSize(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(t);
        String hint =
                "write a byte count, or a number and a unit (B, KiB, MiB, GiB, TiB), such as 1048576, 64KiB or 10MiB";
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size '" + text + "': " + hint);
        }
        int power = switch (m.group(2)) {
            case "", "b" -> 0;
            case "kib", "k" -> 1;
            case "mib", "m" -> 2;
            case "gib", "g" -> 3;
            case "tib", "t" -> 4;
            case "kb", "mb", "gb", "tb" ->
                throw new IllegalArgumentException("invalid size '" + text + "': "
                        + m.group(2).toUpperCase(Locale.ROOT).charAt(0)
                        + "B is ambiguous; write "
                        + m.group(2).toUpperCase(Locale.ROOT).charAt(0)
                        + "iB for powers of 1024, or the exact byte count");
            default ->
                throw new IllegalArgumentException(
                        "invalid size '" + text + "': unknown unit '" + m.group(2) + "'; " + hint);
        };
        BigDecimal bytes =
                new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1024).pow(power));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': too large");
        }
        if (bytes.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("invalid size '" + text + "': not a whole number of bytes");
        }
        return bytes.longValueExact();
    }

    /** Progress as {@code 40.0/100.0 MiB}, or {@code 512.0 KiB/1.5 MiB} when the units differ. */
    static String progress(long done, long total) {
        String d = Text.bytes(done);
        String t = Text.bytes(total);
        int space = d.indexOf(' ');
        if (space > 0 && t.endsWith(d.substring(space))) {
            return d.substring(0, space) + "/" + t;
        }
        return d + "/" + t;
    }

    /** A transfer rate: {@code 12.3 MiB/s}. */
    static String rate(double bytesPerSecond) {
        return Text.bytes((long) bytesPerSecond) + "/s";
    }

    /**
     * An elapsed time or an ETA on the progress display, rounded to what a glance takes in: {@code
     * 850ms}, {@code 4.2s}, {@code 42s}, {@code 1m05s}, {@code 2h03m}. Messages say durations exactly,
     * as {@link Text#duration} does.
     */
    static String elapsed(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
