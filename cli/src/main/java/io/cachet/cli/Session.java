package io.cachet.cli;

import io.cachet.Cache;
import io.cachet.RetryPolicy;
import io.cachet.spi.Origin;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * One command's open cache, closed exactly once: when the command ends, or when the process is
 * told to stop (Ctrl-C, SIGTERM). Closing stops downloads in flight, keeps their part files for a
 * later fetch to resume, and releases every lock.
 *
 * <p>Origins: those found by {@link ServiceLoader} (the reactor-netty HTTP origin from {@code
 * cachet-reactor}, for {@code http} and {@code https}), then {@link Origin#files()} so that {@code
 * file:} URIs work for mirrors on disk. The builder's own discovery stops once an origin is
 * added, which is why the CLI does the discovery itself.
 */
final class Session implements AutoCloseable {
    private final Cache cache;
    private final @Nullable Thread hook;
    private volatile boolean stopping;

    private Session(Cache cache, Io io) {
        this.cache = cache;
        if (io.ownsProcess()) {
            hook = new Thread(this::stopBySignal, "cachet-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        } else {
            hook = null;
        }
    }

    /** Waits for {@code mono}'s value; the cache's operations always end with one or an error. */
    static <T> T await(Mono<T> mono) {
        T value = mono.block();
        if (value == null) {
            throw new IllegalStateException("the cache completed an operation without a result");
        }
        return value;
    }

    /** Opens the cache at {@code root} with the network settings. */
    static Session open(Io io, Path root, Options.@Nullable Network network) {
        Cache.Builder builder = Cache.builder().root(root);
        ServiceLoader.load(Origin.class, Session.class.getClassLoader()).forEach(builder::origin);
        builder.origin(Origin.files());
        if (network != null) {
            network.check();
            builder.retry(RetryPolicy.defaults().withMaxRetries(network.retries));
            if (network.lockTimeout != null) {
                builder.lockTimeout(network.lockTimeout);
            }
            if (network.idleTimeout != null) {
                builder.idleTimeout(network.idleTimeout);
            }
        }
        return new Session(builder.build(), io);
    }

    Cache cache() {
        return cache;
    }

    /** Whether the process is stopping because of a signal (its errors are not worth reporting). */
    boolean stopping() {
        return stopping;
    }

    private void stopBySignal() {
        stopping = true;
        cache.close();
        SharedNetty.stopEventLoops(); // The process is ending: let the JVM exit without waiting for them.
    }

    @Override
    public void close() {
        if (hook != null && !stopping) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return; // The hook closes the cache.
            }
        }
        cache.close();
    }
}
