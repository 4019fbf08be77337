/**
 * Exponential backoff with jitter, for retries and lock polling. Door: {@link
 * io.cachet.internal.retry.Backoff}.
 */
@NullMarked
package io.cachet.internal.retry;

import org.jspecify.annotations.NullMarked;
