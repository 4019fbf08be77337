package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
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
 * Range requests (RFC 9110 §14) as Cachet uses them: the headers of a resume, and what an answer
 * means for the bytes already on disk.
 *
 * <pre>
 *   offset N &gt; 0  ─▶  Range: bytes=N-   If-Range: &lt;strong ETag, else Last-Modified&gt;
 *
 *   200                        the whole artifact: FULL (the engine restarts into a fresh file)
 *   206 bytes N-L/T            the rest: PARTIAL from N, length T
 *   206 bytes M-L/T, M != N    PARTIAL from M: the engine refuses it and restarts, never splices
 *   416 bytes *&#47;N            nothing after N: COMPLETE, an empty PARTIAL at N
 *   416 otherwise              a permanent failure (the engine restarts from zero once)
 * </pre>
 *
 * <p>Any answer whose body is not the artifact's bytes fails: a {@code Content-Encoding} or
 * {@code Transfer-Encoding} other than identity and chunked (the origin compressed it, and
 * Cachet never decodes into the cache), several ranges, a {@code Content-Range} that does not
 * parse or disagrees with {@code Content-Length}.
 */
final class RangeRequest {
    private RangeRequest() {}

    /** What an answer's body is, before the body is attached. */
    record Answer(OriginResponse.Status status, long offset, long length, Validators validators, boolean hasBody) {}

    /** The headers that ask for the bytes from {@code offset} of the version {@code validators} names. */
    static Map<String, String> headers(long offset, Validators validators) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (offset > 0) {
            headers.put("Range", "bytes=" + offset + "-");
            String ifRange = validators.ifRange();
            if (ifRange != null) {
                headers.put("If-Range", ifRange);
            }
        }
        return headers;
    }

    /**
     * Interprets a 200, 206 or 416 answer to a request from {@code offset} sent with {@code sent}.
     *
     * @param where the redacted URL that answered, for messages; empty when it is the one asked for
     *
     * @throws OriginFailure if the answer cannot be used
     */
    static Answer interpret(long offset, Validators sent, ResponseHead head, String url) {
        return switch (StatusClassifier.of(head.status())) {
            case FULL -> {
                requireIdentity(head, url);
                yield new Answer(OriginResponse.Status.FULL, 0, contentLength(head, url), validators(head), true);
            }
            case PARTIAL -> partial(offset, sent, head, url);
            case RANGE_NOT_SATISFIABLE -> unsatisfiable(offset, sent, head, url);
            default -> throw new IllegalArgumentException("not an answer with bytes: " + head.status());
        };
    }

    private static Answer partial(long offset, Validators sent, ResponseHead head, String url) {
        requireIdentity(head, url);
        String type = head.header("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/byteranges")) {
            throw malformed(head, url, "sent several ranges (multipart/byteranges) for one");
        }
        String value = head.header("Content-Range");
        if (value == null) {
            throw malformed(head, url, "sent 206 Partial Content without a Content-Range");
        }
        ContentRange range = contentRange(head, value, url);
        if (range.unsatisfied()) {
            throw malformed(
                    head,
                    url,
                    "sent 206 Partial Content with an unsatisfied range '" + Text.printable(value, 80) + "'");
        }
        long length = contentLength(head, url);
        if (length >= 0 && length != range.length()) {
            throw malformed(
                    head,
                    url,
                    "sent Content-Length " + length + " for the " + range.length() + " bytes of '" + range + "'");
        }
        Validators validators = validators(head);
        return new Answer(
                OriginResponse.Status.PARTIAL,
                range.first(),
                range.total(),
                validators.isEmpty() ? sent : validators,
                true);
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
                    OriginResponse.Status.PARTIAL, offset, offset, validators.isEmpty() ? sent : validators, false);
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

    private static ContentRange contentRange(ResponseHead head, String value, String url) {
        try {
            return ContentRange.parse(value);
        } catch (IllegalArgumentException e) {
            throw malformed(
                    head, url, "sent an unusable Content-Range '" + Text.printable(value, 80) + "': " + e.getMessage());
        }
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

    private static OriginFailure malformed(ResponseHead head, String where, String what) {
        return new OriginFailure(
                "the origin " + what + (where.isEmpty() ? "" : " at " + where), head.status(), false, null, null);
    }
}
