/**
 * Micrometer metrics for a {@link io.cachet.Cache}: {@link io.cachet.micrometer.CachetMetrics}, a
 * {@code MeterBinder} that turns the cache's events into counters, timers and gauges.
 */
@NullMarked
package io.cachet.micrometer;

import org.jspecify.annotations.NullMarked;
