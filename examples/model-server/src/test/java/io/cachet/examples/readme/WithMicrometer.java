package io.cachet.examples.readme;

import io.cachet.Cache;
import io.cachet.micrometer.CachetMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/** README.md and micrometer/README.md, "Metrics": compiled, never run. */
class WithMicrometer {

    void bind(Cache cache, MeterRegistry registry) {
        CachetMetrics metrics = CachetMetrics.builder(cache)
                .tags(Tags.of("cache", "models")) // optional, on every meter
                .build();
        metrics.bindTo(registry);
    }
}
