package io.cachet.spi;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An origin's refusal or failure that the origin could classify: an HTTP status, a refused
 * redirect, a compressed body. The engine retries it only if {@link #isTransient()}.
 *
 * <p>Plain {@link java.io.IOException}s and {@link java.util.concurrent.TimeoutException}s from a
 * transport need no wrapping: the engine treats them as transient.
 */
public class OriginFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean isTransient;
    private final transient @Nullable Duration retryAfter;
    private final boolean unusableRange;

    /**
     * @param message what went wrong, in a few words: {@code "HTTP 503 Service Unavailable"}
     * @param status the HTTP status, or 0 when there was none
     * @param isTransient whether trying again later may succeed
     * @param retryAfter how long the origin asked to wait, or null
     * @param cause the underlying error, or null
     */
    public OriginFailure(
            String message, int status, boolean isTransient, @Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(message, cause);
        this.status = status;
        this.isTransient = isTransient;
        this.retryAfter = retryAfter;
        this.unusableRange = false;
    }

    private OriginFailure(String message, boolean unusableRange) {
        super(message);
        this.status = 0;
        this.isTransient = true;
        this.retryAfter = null;
        this.unusableRange = unusableRange;
    }

    /** A failure that may pass: trying again later may succeed. */
    public static OriginFailure transientFailure(String message) {
        return new OriginFailure(message, 0, true, null, null);
    }

    /** A refusal that will not pass by itself. */
    public static OriginFailure permanentFailure(String message) {
        return new OriginFailure(message, 0, false, null, null);
    }

    /**
     * A failure described by an HTTP status: 408, 429 and 5xx are transient, everything else is
     * permanent.
     */
    public static OriginFailure status(int status, String reasonPhrase, @Nullable Duration retryAfter) {
        boolean isTransient = isTransientStatus(status);
        String phrase = reasonPhrase == null || reasonPhrase.isBlank() ? "" : " " + reasonPhrase;
        return new OriginFailure("HTTP " + status + phrase, status, isTransient, retryAfter, null);
    }

    /**
     * The answer to a range request cannot be used: a {@code Content-Range} that does not parse,
     * ends past the artifact, or names another range than the one asked for. The engine does not ask
     * for the range again; it starts over from byte 0, once, as it does when an origin ignores a
     * range. Transient, since the whole artifact may still be served.
     */
    public static OriginFailure unusableRange(String message) {
        return new OriginFailure(message, true);
    }

    /** Whether this is an {@link #unusableRange} failure: start over rather than resume. */
    public boolean isUnusableRange() {
        return unusableRange;
    }

    /** Whether a failure with this HTTP status may pass: 408, 429 and 5xx. The one rule for it. */
    public static boolean isTransientStatus(int status) {
        return status == 408 || status == 429 || (status >= 500 && status <= 599);
    }

    /** The HTTP status, or 0 when the failure did not come with one. */
    public int status() {
        return status;
    }

    /** Whether trying again later may succeed. */
    public boolean isTransient() {
        return isTransient;
    }

    /** How long the origin asked callers to wait, or null. */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
