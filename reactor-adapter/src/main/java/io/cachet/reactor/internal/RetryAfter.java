package io.cachet.reactor.internal;

import io.netty.handler.codec.DateFormatter;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import org.jspecify.annotations.Nullable;

/**
 * Parses {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of the three
 * formats a recipient must accept (IMF-fixdate, obsolete RFC 850, asctime), read by Netty's lenient
 * HTTP-date parser. A date is turned into a delay against the injected clock; a date in the past
 * means "now". An unreadable value is ignored (null), never an error: it only tunes a retry the
 * engine does anyway.
 */
final class RetryAfter {
    /** Longer than anything the engine honours; keeps arithmetic far from overflow. */
    static final Duration MAX = Duration.ofDays(365);

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
            return atMost(Duration.ofSeconds(Long.parseLong(v)));
        }
        Date at = DateFormatter.parseHttpDate(v);
        if (at == null) {
            return null;
        }
        Duration d = Duration.between(clock.instant(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : atMost(d);
    }

    private static Duration atMost(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
