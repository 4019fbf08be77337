package io.cachet.internal.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: attempt {@code n} (from 0) waits {@code first * factor^n},
 * capped at {@code max}, then spread uniformly by up to {@code ±jitter} of itself and capped again.
 *
 * @param first the first delay
 * @param max the largest delay
 * @param factor the growth per attempt, at least 1
 * @param jitter the spread, 0 to 1
 */
public record Backoff(Duration first, Duration max, double factor, double jitter) {

    public Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max: " + first + ", " + max);
        }
        if (!(factor >= 1) || !(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException(
                    "backoff needs factor >= 1 and jitter in [0, 1]: " + factor + ", " + jitter);
        }
    }

    /** The delay before retry {@code attempt} (0 is the first retry), with {@code random} in [0, 1). */
    public Duration delay(int attempt, DoubleSupplier random) {
        double base = first.toNanos() * Math.pow(factor, Math.min(attempt, 62));
        double capped = Math.min(base, max.toNanos());
        double spread = capped * jitter * (2 * random.getAsDouble() - 1);
        long nanos = (long) Math.min(Math.max(capped + spread, 1), max.toNanos());
        return Duration.ofNanos(nanos);
    }
}
