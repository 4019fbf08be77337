package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.CacheEvent;
import io.cachet.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress events are throttled on the timer's clock: the first, then one per interval, and the last. */
class ProgressReporterTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<CacheEvent> events = new ArrayList<>();
    private final ProgressReporter reporter = new ProgressReporter(Key.of("k"), now::get, events::add);

    @Test
    void reportsTheFirstWriteThenAtMostOncePerIntervalAndAlwaysTheEnd() {
        reporter.written(10, 100);
        reporter.written(20, 100);
        now.addAndGet(ProgressReporter.INTERVAL_MILLIS - 1);
        reporter.written(30, 100);
        now.addAndGet(1);
        reporter.written(40, 100);
        reporter.written(100, 100);

        assertThat(events).extracting(e -> ((CacheEvent.Progress) e).bytes()).containsExactly(10L, 40L, 100L);
        assertThat(events)
                .allSatisfy(e -> assertThat(((CacheEvent.Progress) e).remote()).isFalse());
    }
}
