package io.cachet.internal.fetch;

import io.cachet.OriginException;
import io.cachet.RetryPolicy;
import io.cachet.internal.retry.Backoff;
import java.time.Duration;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Which failures are retried, and after how long (docs/architecture.md, "Retries and limits"): only transient origin
 * failures, at most {@link RetryPolicy#maxRetries()} times, after an exponential, jittered delay
 * that a {@code Retry-After} can lengthen but never beyond {@link RetryPolicy#maxRetryAfter()}.
 * Integrity and storage failures never come here.
 */
final class Retries {
    private final RetryPolicy policy;
    private final Backoff backoff;
    private final DoubleSupplier random;

    Retries(RetryPolicy policy, DoubleSupplier random) {
        this.policy = policy;
        this.backoff = new Backoff(policy.firstBackoff(), policy.maxBackoff(), 2.0, policy.jitter());
        this.random = random;
    }

    /**
     * The delay before the next attempt after attempt number {@code attempt} (from 1) failed with
     * {@code failure}, or null to give up.
     */
    @Nullable
    Duration delayAfter(int attempt, OriginException failure) {
        if (!failure.isTransient() || attempt > policy.maxRetries()) {
            return null;
        }
        Duration delay = backoff.delay(attempt - 1, random);
        Duration asked = failure.retryAfter().orElse(null);
        if (asked != null) {
            if (asked.compareTo(policy.maxRetryAfter()) > 0) {
                return null;
            }
            if (asked.compareTo(delay) > 0) {
                delay = asked;
            }
        }
        return delay;
    }

    /**
     * The failure to report when retrying stops: {@code failure}, or, if the origin asked to be
     * retried later than this cache waits, a failure that says so.
     */
    OriginException givingUp(OriginException failure, Failures failures) {
        Duration asked = failure.retryAfter().orElse(null);
        Duration patience = policy.maxRetryAfter();
        if (failure.isTransient() && asked != null && asked.compareTo(patience) > 0) {
            return failures.patienceExceeded(failure, asked, patience);
        }
        return failure;
    }
}
