package io.cachet;

import java.time.Duration;

/** Formats durations the way people and the CLI write them: {@code 500ms}, {@code 2s}, {@code 5m}. */
final class Durations {
    private Durations() {}

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 1000 != 0 && ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = d.toSeconds();
        if (s < 120) {
            return s + "s";
        }
        return s % 60 == 0 ? (s / 60) + "m" : (s / 60) + "m" + (s % 60) + "s";
    }
}
