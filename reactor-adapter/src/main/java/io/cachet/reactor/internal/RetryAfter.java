package io.cachet.reactor.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of the three
 * formats a recipient must accept (IMF-fixdate, obsolete RFC 850, asctime). A date is turned into a
 * delay against the injected clock; a date in the past means "now". An unreadable value is ignored
 * (null), never an error: it only tunes a retry the engine does anyway.
 */
final class RetryAfter {
    /** Longer than anything the engine honours; keeps arithmetic far from overflow. */
    static final Duration MAX = Duration.ofDays(365);

    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT);

    private RetryAfter() {}

    static @Nullable Duration parse(@Nullable String value, Clock clock) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.isEmpty()) {
            return null;
        }
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (v.length() > 11) {
                return MAX;
            }
            Duration d = Duration.ofSeconds(Long.parseLong(v));
            return d.compareTo(MAX) > 0 ? MAX : d;
        }
        Instant at = date(v, clock);
        if (at == null) {
            return null;
        }
        Duration d = Duration.between(clock.instant(), at);
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(MAX) > 0 ? MAX : d;
    }

    private static @Nullable Instant date(String v, Clock clock) {
        try {
            return ZonedDateTime.parse(v, IMF_FIXDATE).toInstant();
        } catch (DateTimeParseException e) {
            // Not the preferred format; try the obsolete ones.
        }
        try {
            return LocalDateTime.parse(v, ASCTIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            // Not asctime either.
        }
        int comma = v.indexOf(", ");
        if (comma < 0) {
            return null;
        }
        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". The day name is not checked; a two-digit year more
        // than 50 years ahead of the clock is in the past century (RFC 9110 §5.6.7).
        int thisYear = clock.instant().atZone(ZoneOffset.UTC).getYear();
        DateTimeFormatter rfc850 = new DateTimeFormatterBuilder()
                .appendPattern("dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, thisYear - 49)
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.ROOT);
        try {
            return LocalDateTime.parse(v.substring(comma + 2), rfc850).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
