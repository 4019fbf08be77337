package io.cachet.cli;

import java.time.Duration;
import reactor.netty.http.HttpResources;

/**
 * The CLI's settings for reactor-netty's process-wide resources, which a short-lived command uses
 * differently from a long-running service.
 */
final class SharedNetty {
    private static final String JFR_EVENTS = "io.netty.jfr.enabled";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

    private SharedNetty() {}

    /**
     * Turns off Netty's allocator events for JDK Flight Recorder unless the user chose: loading them
     * starts JFR's event machinery, about a tenth of a short command's start-up, for events that only
     * a profiling session reads ({@code CACHET_JAVA_OPTS=-Dio.netty.jfr.enabled=true} brings them
     * back). Must run before any Netty class is loaded.
     */
    static void configureForShortProcess() {
        if (System.getProperty(JFR_EVENTS) == null) {
            System.setProperty(JFR_EVENTS, "false");
        }
    }

    /**
     * Stops the shared event loops and closes pooled connections, at once (no quiet period). The
     * JVM's exit waits up to 300 ms for threads that are in native code, which is where an idle
     * event loop sits ({@code epoll_wait}); stopped loops let the process end as soon as its work is
     * done. Best effort: a loop that does not stop in time only delays the exit as before.
     */
    static void stopEventLoops() {
        try {
            HttpResources.disposeLoopsAndConnectionsLater(Duration.ZERO, STOP_TIMEOUT)
                    .block(STOP_TIMEOUT.multipliedBy(2));
        } catch (RuntimeException e) {
            // Exiting anyway; the exit code already says how the command went.
        }
    }
}
