package io.cachet;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The origin could not deliver the artifact: it refused (a status such as 404 or 403), failed
 * (5xx, reset, stall) more often than the retry policy allows, or could not be reached.
 */
public final class OriginException extends CachetException {
    private static final long serialVersionUID = 1L;

    private final String url;
    private final int status;
    private final int attempts;
    private final boolean isTransient;
    private final transient @Nullable Duration retryAfter;
    private final String reason;

    /**
     * @param url the URL, already redacted (no credentials, no query)
     * @param status the HTTP status of the last response, or 0 if there was none
     * @param attempts how many times the origin was asked
     * @param isTransient whether the last failure was of a kind that may pass
     * @param retryAfter how long the origin asked us to wait, or null
     * @param reason what went wrong, in a few words ("connection refused", "HTTP 503")
     * @param cause the last underlying failure, if any
     */
    public OriginException(
            String url,
            int status,
            int attempts,
            boolean isTransient,
            @Nullable Duration retryAfter,
            String reason,
            @Nullable Throwable cause) {
        super(message(url, status, attempts, isTransient, reason, unreachable(status, cause)), cause);
        this.url = url;
        this.status = status;
        this.attempts = attempts;
        this.isTransient = isTransient;
        this.retryAfter = retryAfter;
        this.reason = reason;
    }

    private static String message(
            String url, int status, int attempts, boolean isTransient, String reason, boolean unreachable) {
        String tries = attempts == 1 ? "1 attempt" : attempts + " attempts";
        String advice;
        if (unreachable) {
            advice = "the origin could not be reached at all (no address for its name, connection refused or no"
                    + " route): check the network and the URL, and retry later. The artifact is not in the cache, so"
                    + " it cannot be used offline either; on a machine without network, offline mode"
                    + " (Cache.Builder.offline(true)) fails such a fetch at once instead of retrying";
        } else if (status == 404 || status == 410) {
            advice = "the origin does not have this artifact: check the URL";
        } else if (status == 401 || status == 403 || status == 407) {
            advice = "the origin refused access: check the credentials sent with the request (headers)";
        } else if (status >= 400 && status < 500 && !isTransient) {
            advice = "the origin rejected the request: check the URL and headers";
        } else if (isTransient) {
            advice = "the origin or the network may be down: retry later, or allow more retries";
        } else {
            advice = "check the URL and the origin";
        }
        return "could not download " + url + " (" + reason + ") after " + tries + "; " + advice;
    }

    /**
     * Whether no connection to the origin could be made at all: its name did not resolve, or the
     * connection was refused, timed out or had no route. A machine without network fails this way.
     */
    public boolean isUnreachable() {
        return unreachable(status, getCause());
    }

    private static boolean unreachable(int status, @Nullable Throwable cause) {
        if (status != 0) {
            return false;
        }
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.UnknownHostException
                    || t instanceof java.net.ConnectException
                    || t instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    /** The URL asked for, without credentials or query. */
    public String url() {
        return url;
    }

    /** The HTTP status of the last response, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** How many times the origin was asked, retries included. */
    public int attempts() {
        return attempts;
    }

    /** How long the origin asked callers to wait before trying again, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The last failure in a few words. */
    public String reason() {
        return reason;
    }

    @Override
    public boolean isTransient() {
        return isTransient;
    }
}
