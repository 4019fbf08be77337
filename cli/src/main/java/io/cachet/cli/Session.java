package io.cachet.cli;

import io.cachet.Cache;
import io.cachet.RetryPolicy;
import io.cachet.reactor.NettyOrigin;
import io.cachet.spi.Origin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * One command's open cache, closed exactly once: when the command ends, or when the process is
 * told to stop (Ctrl-C, SIGTERM). Closing stops downloads in flight, keeps their part files for a
 * later fetch to resume, and releases every lock.
 *
 * <p>Origins, to fetch: the reactor-netty HTTP origin of {@code cachet-reactor} for {@code http}
 * and {@code https}, built here so that it trusts {@code --ca-cert} and so that proxy variables it
 * cannot use are a usage error rather than a crash; then any other origin found by {@link
 * ServiceLoader}; then {@link Origin#files()} so that {@code file:} URIs work for mirrors on disk.
 * The builder's own discovery stops once an origin is added, which is why the CLI does the
 * discovery itself. Commands that fetch nothing open the cache without the network origin.
 */
final class Session implements AutoCloseable {
    private final Cache cache;
    private final @Nullable FleetClients fleet;
    private final @Nullable Thread hook;
    private volatile boolean stopping;

    private Session(Cache cache, @Nullable FleetClients fleet, Io io) {
        this.cache = cache;
        this.fleet = fleet;
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

    /**
     * Opens the cache that a fetch command's options describe: its directory, network settings,
     * size cap and fleet.
     *
     * @throws UsageException if an option or environment variable cannot be used
     */
    static Session forFetching(
            Io io, Options.CacheDir cacheDir, Options.Network network, Options.Cap cap, Options.Fleet fleet) {
        return forFetching(
                io, cacheDir.resolve(io), cacheDir.sharedWithGroup(io), network, cap.resolve(io), fleet.settings(io));
    }

    /**
     * Opens the cache at {@code root} to fetch into it, shared with its group or not, with the
     * network settings (the defaults when null).
     *
     * @throws UsageException if an option or environment variable cannot be used
     */
    static Session forFetching(Io io, Path root, boolean sharedWithGroup, Options.@Nullable Network network) {
        return forFetching(io, root, sharedWithGroup, network, OptionalLong.empty(), null);
    }

    /**
     * Opens the cache at {@code root} to fetch into it, as {@link #forFetching(Io, Path, boolean,
     * Options.Network)}, keeping it at most {@code maxSize} and sharing downloads with a fleet if
     * {@code fleet} says so (its clients are created, and their classes loaded, only then).
     */
    static Session forFetching(
            Io io,
            Path root,
            boolean sharedWithGroup,
            Options.@Nullable Network network,
            OptionalLong maxSize,
            Options.Fleet.@Nullable Settings fleet) {
        if (network != null) {
            network.check();
        }
        Cache.Builder builder = Cache.builder().root(root).sharedWithGroup(sharedWithGroup);
        builder.origin(http(io, network == null ? List.of() : network.trustedCertificates(io)));
        ServiceLoader.load(Origin.class, Session.class.getClassLoader()).stream()
                .filter(provider -> provider.type() != NettyOrigin.class)
                .forEach(provider -> builder.origin(provider.get()));
        builder.origin(Origin.files());
        if (network != null) {
            builder.retry(RetryPolicy.defaults().withMaxRetries(network.retries));
            if (network.lockTimeout != null) {
                builder.lockTimeout(network.lockTimeout);
            }
            if (network.idleTimeout != null) {
                builder.idleTimeout(network.idleTimeout);
            }
            if (network.connections != null) {
                builder.connections(network.connections);
            }
            builder.offline(network.offline(io));
        }
        maxSize.ifPresent(builder::maxSize);
        FleetClients clients = fleet == null ? null : FleetClients.open(fleet, io.env());
        try {
            if (clients != null) {
                clients.configure(builder);
            }
            return new Session(builder.build(), clients, io);
        } catch (RuntimeException e) {
            if (clients != null) {
                clients.close();
            }
            throw e;
        }
    }

    /**
     * Opens the cache at {@code root} for {@code ls}, {@code verify} or {@code gc}, which fetch
     * nothing: without a network origin, so that proxy settings do not matter to them.
     */
    static Session forMaintenance(Io io, Path root, boolean sharedWithGroup) {
        Cache cache = Cache.builder()
                .root(root)
                .sharedWithGroup(sharedWithGroup)
                .origin(Origin.files())
                .build();
        return new Session(cache, null, io);
    }

    /**
     * What {@code work} makes of the cache at the options' directory, opened for maintenance; empty,
     * without opening or creating anything, when there is no cache there yet.
     *
     * @throws UsageException if an option or environment variable cannot be used
     */
    static <T> Optional<T> onExistingCache(Io io, Options.CacheDir cacheDir, Function<Cache, Mono<T>> work) {
        Path root = cacheDir.resolve(io);
        boolean shared = cacheDir.sharedWithGroup(io);
        if (!Files.exists(root)) {
            return Optional.empty();
        }
        try (Session session = forMaintenance(io, root, shared)) {
            return Optional.of(await(work.apply(session.cache())));
        }
    }

    private static NettyOrigin http(Io io, List<X509Certificate> trusted) {
        NettyOrigin.Builder http = NettyOrigin.builder().environment(io.env());
        if (!trusted.isEmpty()) {
            http = http.trustedCertificates(trusted.toArray(X509Certificate[]::new));
        }
        try {
            return http.build();
        } catch (IllegalArgumentException e) {
            // A proxy variable (https_proxy, ...) that cannot be used; the message names it.
            throw new UsageException("cannot use the proxy settings: " + e.getMessage());
        }
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
        closeCache();
        SharedNetty.stopEventLoops(); // The process is ending: let the JVM exit without waiting for them.
    }

    /** Closes the cache, then the fleet's clients it used. */
    private void closeCache() {
        try {
            cache.close();
        } finally {
            if (fleet != null) {
                fleet.close();
            }
        }
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
        closeCache();
    }
}
