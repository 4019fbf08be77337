package io.cachet.internal.fleet;

import io.cachet.spi.Text;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Whether a shared service (the tier, the cluster) is worth asking: after a failure it is left
 * alone for {@link #COOL_DOWN}, so that a fleet whose Redis or S3 is down pays for the outage once,
 * not once per fetch. One warning per outage, when it starts; a line at info level when the
 * service answers again.
 */
final class Health {
    static final Duration COOL_DOWN = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final String what;
    private final String without;
    private final Scheduler clock;
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile long retryAtMillis;

    /**
     * @param what the service, for messages: "the fleet's tier S3Tier[...]"
     * @param without what happens meanwhile, for the warning
     */
    Health(String what, String without, Scheduler clock) {
        this.what = what;
        this.without = without;
        this.clock = clock;
    }

    boolean usable() {
        return !down.get() || clock.now(TimeUnit.MILLISECONDS) >= retryAtMillis;
    }

    /** The service failed while {@code doing}: warn if this starts an outage, and leave it alone a while. */
    void failed(Throwable e, String doing) {
        retryAtMillis = clock.now(TimeUnit.MILLISECONDS) + COOL_DOWN.toMillis();
        if (down.compareAndSet(false, true)) {
            log.warn(
                    "{} cannot be used: {}. Going on without it: {}; it is tried again in {} s.",
                    what,
                    reason(e),
                    without,
                    COOL_DOWN.toSeconds());
            log.debug("{} failed while {}", what, doing, e);
        } else {
            log.debug("{} failed again while {}", what, doing, e);
        }
    }

    /** The service answered. */
    void ok() {
        if (down.get() && down.compareAndSet(true, false)) {
            log.info("{} answers again", what);
        }
    }

    /** {@code call}, failing with a {@link TimeoutException} that says how long it waited. */
    static <T> Mono<T> within(Mono<T> call, Duration timeout, Scheduler timer) {
        return call.timeout(
                timeout, Mono.error(() -> new TimeoutException("no answer within " + Text.duration(timeout))), timer);
    }

    static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
