package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import java.time.Clock;

/**
 * What a status code means for a download: bytes (200, 206), an answer about the range (416), a
 * redirect to follow (301, 302, 303, 307, 308), or a failure. Failures follow {@link
 * OriginFailure#isTransientStatus}: 408, 429 and 5xx are transient (with the {@code Retry-After}
 * the origin sent), every other status is permanent, including the 2xx and 3xx a download cannot
 * use.
 */
final class StatusClassifier {
    private StatusClassifier() {}

    /** What to do with a status. */
    enum Kind {
        /** 200: the whole artifact. */
        FULL,
        /** 206: part of it. */
        PARTIAL,
        /** 416: the range asked for is not there. */
        RANGE_NOT_SATISFIABLE,
        /** A redirect with a Location to follow. */
        REDIRECT,
        /** Anything else. */
        FAILURE
    }

    static Kind of(int status) {
        return switch (status) {
            case 200 -> Kind.FULL;
            case 206 -> Kind.PARTIAL;
            case 416 -> Kind.RANGE_NOT_SATISFIABLE;
            case 301, 302, 303, 307, 308 -> Kind.REDIRECT;
            default -> Kind.FAILURE;
        };
    }

    /**
     * The failure for {@code head}; its message is {@code HTTP <status> <reason>}, followed by
     * {@code from <url>} when {@code where} is not empty (a redirect led elsewhere than the URL the
     * caller asked for, which the engine names already).
     */
    static OriginFailure failure(ResponseHead head, String where, Clock clock) {
        String reason = head.reason();
        if (!where.isEmpty()) {
            reason = (reason.isBlank() ? "" : reason + " ") + "from " + where;
        }
        return OriginFailure.status(
                head.status(),
                reason,
                OriginFailure.isTransientStatus(head.status())
                        ? RetryAfter.parse(head.header("Retry-After"), clock)
                        : null);
    }
}
