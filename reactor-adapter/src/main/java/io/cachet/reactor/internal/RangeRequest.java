package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import io.cachet.spi.Validators;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Range requests (RFC 9110 §14) as Cachet uses them: the headers that ask for a range, and what an
 * answer means for the bytes already on disk. A request for {@code [N, E)} is answered like this
 * (E is infinite for a request to the end; T is the artifact's length):
 *
 * <pre>
 *   N &gt; 0, or E set  ─▶  Range: bytes=N-  or  bytes=N-(E-1)    If-Range: &lt;strong ETag, else Last-Modified&gt;
 *
 *   200                          the whole artifact: FULL (the engine starts over, or fetches one stream)
 *   206 bytes N-L/T              PARTIAL from N, if L = min(E, T) - 1 (to the end: L = T - 1, or any L if T is *)
 *   206 anything else            unusable range: another start or end, several ranges, no or a broken
 *                                Content-Range, another version's ETag; the engine starts over from 0
 *   416 bytes *&#47;N              nothing at or after N: an empty PARTIAL at N
 *   416 otherwise                a permanent failure (the engine restarts from zero once)
 * </pre>
 *
 * <p>Bytes are never placed on a guess: a 206 is used only when it names exactly the range asked
 * for, and its body must then hold exactly that many bytes ({@link Answer#bodyLength}). An answer
 * whose body is not the artifact's bytes as stored fails permanently: a {@code Content-Encoding} or
 * {@code Transfer-Encoding} other than identity and chunked (the origin compressed it, and Cachet
 * never decodes into the cache).
 */
final class RangeRequest {
    private RangeRequest() {}

    /**
     * What an answer's body is, before the body is attached.
     *
     * @param bodyLength how many bytes the body must hold, or -1 when only its framing says
     */
    record Answer(
            OriginResponse.Status status,
            long offset,
            long length,
            Validators validators,
            boolean hasBody,
            long bodyLength) {}

    /**
     * The headers that ask for {@code request}'s range of the version its validators name: none for
     * the whole artifact, else {@code Range} and, when there are validators, {@code If-Range}.
     */
    static Map<String, String> headers(OriginRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (request.offset() > 0 || request.isBounded()) {
            headers.put("Range", "bytes=" + request.offset() + "-" + (request.isBounded() ? request.end() - 1 : ""));
            String ifRange = request.validators().ifRange();
            if (ifRange != null) {
                headers.put("If-Range", ifRange);
            }
        }
        return headers;
    }

    /**
     * Interprets a 200, 206 or 416 answer to {@code request}.
     *
     * @param where the redacted URL that answered, for messages; empty when it is the one asked for
     * @throws OriginFailure if the answer cannot be used; {@link OriginFailure#isUnusableRange()}
     *     when it is a 206 for another range than the one asked for
     */
    static Answer interpret(OriginRequest request, ResponseHead head, String where) {
        return switch (StatusClassifier.of(head.status())) {
            case FULL -> {
                requireIdentity(head, where);
                yield new Answer(OriginResponse.Status.FULL, 0, contentLength(head, where), validators(head), true, -1);
            }
            case PARTIAL -> partial(request, head, where);
            case RANGE_NOT_SATISFIABLE -> unsatisfiable(request.offset(), request.validators(), head, where);
            default -> throw new IllegalArgumentException("not an answer with bytes: " + head.status());
        };
    }

    private static Answer partial(OriginRequest request, ResponseHead head, String where) {
        requireIdentity(head, where);
        String asked = asked(request);
        String type = head.header("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/byteranges")) {
            throw unusable(where, "sent several ranges (multipart/byteranges) for " + asked);
        }
        String value = head.header("Content-Range");
        if (value == null) {
            throw unusable(where, "sent 206 Partial Content without a Content-Range for " + asked);
        }
        ContentRange range;
        try {
            range = ContentRange.parse(value);
        } catch (IllegalArgumentException e) {
            throw unusable(
                    where,
                    "sent an unusable Content-Range '" + Text.printable(value, 80) + "' for " + asked + ": "
                            + e.getMessage());
        }
        if (range.unsatisfied() || !fits(request, range)) {
            throw unusable(where, "sent '" + range + "' for " + asked);
        }
        long length = contentLength(head, where);
        if (length >= 0 && length != range.length()) {
            throw unusable(
                    where,
                    "sent Content-Length " + length + " for the " + range.length() + " bytes of '" + range + "'");
        }
        Validators validators = validators(head);
        if (!sameVersion(request.validators(), validators)) {
            throw unusable(
                    where,
                    "sent " + asked + " of another version (ETag "
                            + Text.printable(String.valueOf(validators.etag()), 80) + ", not "
                            + Text.printable(String.valueOf(request.validators().etag()), 80) + ")");
        }
        return new Answer(
                OriginResponse.Status.PARTIAL,
                range.first(),
                range.total(),
                validators.isEmpty() ? request.validators() : validators,
                true,
                range.length());
    }

    /**
     * Whether {@code range} is exactly the one asked for: from the offset, to the request's end or
     * the artifact's, whichever comes first. A range to the end of an artifact of unknown length
     * may end anywhere; a bounded one must end where it was asked to, since nothing says that the
     * artifact ends earlier.
     */
    private static boolean fits(OriginRequest request, ContentRange range) {
        if (range.first() != request.offset()) {
            return false;
        }
        long total = range.total();
        if (!request.isBounded()) {
            return total == ContentRange.UNKNOWN || range.last() == total - 1;
        }
        long end = total == ContentRange.UNKNOWN ? request.end() : Math.min(request.end(), total);
        return range.last() == end - 1;
    }

    /** Whether a 206 came from the version whose strong ETag the request named; unknown counts as the same. */
    private static boolean sameVersion(Validators sent, Validators received) {
        String asked = sent.etag();
        String got = received.etag();
        if (asked == null || got == null || asked.startsWith("W/") || got.startsWith("W/")) {
            return true;
        }
        return asked.equals(got);
    }

    private static String asked(OriginRequest request) {
        return "the range bytes=" + request.offset() + "-" + (request.isBounded() ? request.end() - 1 : "")
                + " asked for";
    }

    private static Answer unsatisfiable(long offset, Validators sent, ResponseHead head, String url) {
        String value = head.header("Content-Range");
        ContentRange range = null;
        if (value != null) {
            try {
                range = ContentRange.parse(value);
            } catch (IllegalArgumentException e) {
                range = null;
            }
        }
        Validators validators = validators(head);
        boolean sameVersion =
                validators.etag() == null || sent.etag() == null || Objects.equals(validators.etag(), sent.etag());
        if (offset > 0 && range != null && range.unsatisfied() && range.total() == offset && sameVersion) {
            return new Answer(
                    OriginResponse.Status.PARTIAL, offset, offset, validators.isEmpty() ? sent : validators, false, 0);
        }
        String detail = range != null && range.unsatisfied()
                ? "the origin holds " + range.total() + " bytes, the request started at " + offset
                : "the request started at " + offset;
        return failure416(head, detail, url);
    }

    private static Answer failure416(ResponseHead head, String detail, String where) {
        String reason = (head.reason().isBlank() ? "" : head.reason() + " ") + "(" + detail + ")";
        throw OriginFailure.status(head.status(), reason + (where.isEmpty() ? "" : " from " + where), null);
    }

    /** ETag and Last-Modified; a value that could not be sent back in If-Range is dropped. */
    static Validators validators(ResponseHead head) {
        return new Validators(usable(head.header("ETag")), usable(head.header("Last-Modified")));
    }

    private static @Nullable String usable(@Nullable String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        boolean ok = !v.isEmpty() && v.length() <= 1024 && v.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
        return ok ? v : null;
    }

    /** The declared body length, or -1 when absent. */
    static long contentLength(ResponseHead head, String url) {
        List<String> values = head.all("Content-Length");
        long length = -1;
        for (String value : values) {
            for (String part : value.split(",", -1)) {
                long n;
                try {
                    n = ContentRange.number(part.strip(), "length");
                } catch (IllegalArgumentException e) {
                    throw malformed(head, url, "sent an unusable Content-Length '" + Text.printable(value, 40) + "'");
                }
                if (length != -1 && n != length) {
                    throw malformed(
                            head,
                            url,
                            "sent conflicting Content-Length values " + Text.printable(values.toString(), 80));
                }
                length = n;
            }
        }
        return length;
    }

    /** Fails unless the body is the artifact's bytes as stored: no content or transfer coding. */
    static void requireIdentity(ResponseHead head, String url) {
        for (String value : head.all("Content-Encoding")) {
            for (String coding : value.split(",")) {
                String c = coding.strip().toLowerCase(Locale.ROOT);
                if (!c.isEmpty() && !c.equals("identity")) {
                    throw new OriginFailure(
                            "the origin compressed the body (Content-Encoding: " + Text.printable(value, 80)
                                    + ") although identity was asked for; Cachet never decodes a body into the cache, so fix the"
                                    + " origin or the CDN in front of it",
                            head.status(),
                            false,
                            null,
                            null);
                }
            }
        }
        for (String value : head.all("Transfer-Encoding")) {
            for (String coding : value.split(",")) {
                String c = coding.strip().toLowerCase(Locale.ROOT);
                if (!c.isEmpty() && !c.equals("chunked") && !c.equals("identity")) {
                    throw new OriginFailure(
                            "the origin sent the body with Transfer-Encoding: " + Text.printable(value, 80)
                                    + "; only chunked is accepted, Cachet never decodes a body into the cache",
                            head.status(),
                            false,
                            null,
                            null);
                }
            }
        }
    }

    private static OriginFailure unusable(String where, String what) {
        return OriginFailure.unusableRange("the origin " + what + (where.isEmpty() ? "" : " at " + where));
    }

    private static OriginFailure malformed(ResponseHead head, String where, String what) {
        return new OriginFailure(
                "the origin " + what + (where.isEmpty() ? "" : " at " + where), head.status(), false, null, null);
    }
}
