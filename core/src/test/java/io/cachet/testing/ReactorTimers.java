package io.cachet.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound that stopping a reactor periodic task may take its scheduler's queue lock for
 * a moment, as reactor already tells it for one-shot tasks ({@code SchedulerTask.dispose}, {@code
 * WorkerTask.dispose}): it is the same lock, held to remove one task from a queue, and reactor's
 * own integration leaves the periodic tasks out. The engine stops its periodic checks (a writer's
 * watchdog, the connection governor) from whatever thread ends a download, event loops included.
 *
 * <p>Without this, a stop that met another thread in that queue made BlockHound throw from inside
 * the lock's wait, which leaves the lock's queue broken: the download then hung instead of
 * failing. Loaded by the ServiceLoader, for every module whose tests use this test-jar.
 */
public final class ReactorTimers implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicSchedulerTask", "dispose");
    }
}
