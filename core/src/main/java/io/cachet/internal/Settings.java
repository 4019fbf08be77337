package io.cachet.internal;

import io.cachet.RetryPolicy;
import io.cachet.spi.Origin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Everything {@link io.cachet.Cache.Builder} collected, validated there.
 *
 * @param ioScheduler null for a pool the cache owns
 * @param timer null for {@code Schedulers.parallel()}
 * @param lockTimeout null to wait as long as the holder lives
 */
public record Settings(
        Path root,
        List<Origin> origins,
        @Nullable Scheduler ioScheduler,
        @Nullable Scheduler timer,
        RetryPolicy retryPolicy,
        @Nullable Duration lockTimeout,
        Duration idleTimeout,
        long minBytesPerSecond,
        Duration throughputWindow,
        long maxArtifactSize,
        boolean sharedWithGroup,
        int writeBufferSize) {

    public static final int DEFAULT_WRITE_BUFFER = 512 * 1024;
}
