package io.cachet.spi;

import java.net.URI;
import java.util.Map;

/**
 * One request to an origin.
 *
 * @param uri what to fetch
 * @param offset the first byte wanted; above 0 when resuming or fetching a range
 * @param end the byte after the last one wanted, or {@link #TO_THE_END}; when set, the origin asks
 *     for exactly {@code [offset, end)} (HTTP {@code Range: bytes=offset-(end-1)}), even from 0
 * @param validators the validators the bytes before {@code offset} (or of the other ranges) were
 *     received with; empty when nothing was received yet
 * @param headers extra headers from the caller, such as credentials (checked by {@link
 *     Text#headerProblem})
 * @param expectedSize the size the caller expects, or -1; an origin may refuse early when the
 *     source declares more
 */
public record OriginRequest(
        URI uri, long offset, long end, Validators validators, Map<String, String> headers, long expectedSize) {

    /** The {@link #end} of a request for everything from {@link #offset} on. */
    public static final long TO_THE_END = -1;

    /** Validates the fields. */
    public OriginRequest {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        if (end != TO_THE_END && end <= offset) {
            throw new IllegalArgumentException("a range must end after it starts: [" + offset + ", " + end + ")");
        }
        if (validators == null) {
            throw new IllegalArgumentException("validators must not be null; use Validators.NONE");
        }
        headers = Map.copyOf(headers);
    }

    /** A request for the whole artifact. */
    public static OriginRequest of(URI uri) {
        return new OriginRequest(uri, 0, TO_THE_END, Validators.NONE, Map.of(), -1);
    }

    /** The same request for the bytes {@code [offset, end)} ({@code end} may be {@link #TO_THE_END}). */
    public OriginRequest withRange(long offset, long end, Validators validators) {
        return new OriginRequest(uri, offset, end, validators, headers, expectedSize);
    }

    /** The same request to another URI (a mirror of the same bytes). */
    public OriginRequest withUri(URI uri) {
        return new OriginRequest(uri, offset, end, validators, headers, expectedSize);
    }

    /** Whether this asks for a bounded range rather than everything from {@link #offset}. */
    public boolean isBounded() {
        return end != TO_THE_END;
    }

    /** {@link #uri} as it may appear in messages and logs: see {@link Text#redact(URI)}. */
    public String redactedUri() {
        return Text.redact(uri);
    }

    /**
     * A URI as it may appear in messages, logs and files other users can read; see {@link
     * Text#redact(URI)}.
     */
    public static String redact(URI uri) {
        return Text.redact(uri);
    }
}
