package io.cachet;

import java.time.Duration;

/**
 * How often and how patiently transient failures are retried: connection errors, resets, stalls,
 * 408, 429 and 5xx. Permanent failures (other 4xx, integrity, storage) are never retried.
 *
 * <p>The delay before retry {@code n} (from 1) is {@code firstBackoff * 2^(n-1)}, capped at
 * {@code maxBackoff}, then spread by up to {@code ±jitter} of itself; a {@code Retry-After} from
 * the origin raises it to what the origin asked, up to {@code maxRetryAfter}. An origin asking for
 * more than that fails at once, saying how long it asked for.
 *
 * @param maxRetries retries after the first attempt; 0 disables retrying
 * @param firstBackoff the delay before the first retry
 * @param maxBackoff the largest computed delay
 * @param jitter the random spread, from 0 (none) to 1
 * @param maxRetryAfter the longest {@code Retry-After} honoured
 */
public record RetryPolicy(
        int maxRetries, Duration firstBackoff, Duration maxBackoff, double jitter, Duration maxRetryAfter) {

    /** Validates the fields. */
    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative: " + maxRetries);
        }
        requirePositive("firstBackoff", firstBackoff);
        requirePositive("maxBackoff", maxBackoff);
        requirePositive("maxRetryAfter", maxRetryAfter);
        if (maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException(
                    "maxBackoff " + maxBackoff + " must not be less than firstBackoff " + firstBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1: " + jitter);
        }
    }

    /** 3 retries, from 500 ms doubling to at most 10 s, ±50% jitter, Retry-After up to 2 minutes. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(10), 0.5, Duration.ofMinutes(2));
    }

    /** No retries: the first failure is final. */
    public static RetryPolicy none() {
        return defaults().withMaxRetries(0);
    }

    /** The same policy with {@code maxRetries} retries. */
    public RetryPolicy withMaxRetries(int maxRetries) {
        return new RetryPolicy(maxRetries, firstBackoff, maxBackoff, jitter, maxRetryAfter);
    }

    /** The same policy with other backoff bounds. */
    public RetryPolicy withBackoff(Duration firstBackoff, Duration maxBackoff) {
        return new RetryPolicy(maxRetries, firstBackoff, maxBackoff, jitter, maxRetryAfter);
    }

    /** The same policy with another jitter. */
    public RetryPolicy withJitter(double jitter) {
        return new RetryPolicy(maxRetries, firstBackoff, maxBackoff, jitter, maxRetryAfter);
    }

    /** The same policy honouring {@code Retry-After} up to {@code maxRetryAfter}. */
    public RetryPolicy withMaxRetryAfter(Duration maxRetryAfter) {
        return new RetryPolicy(maxRetries, firstBackoff, maxBackoff, jitter, maxRetryAfter);
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
