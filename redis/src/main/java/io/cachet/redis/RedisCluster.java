package io.cachet.redis;

import io.cachet.redis.internal.RedisLeases;
import io.cachet.spi.Cluster;
import java.net.URI;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Download leases shared by a fleet through one Redis server, on Lettuce's reactive API.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.connect(URI.create("redis://10.0.0.5:6379"))) {
 *     ... Cache.builder()...cluster(cluster)... // see Cluster
 * }
 * }</pre>
 *
 * <p>How the {@link Cluster} promises are kept:
 *
 * <ul>
 *   <li>A lease is the key {@code PREFIX + "lease:" + name}, taken with {@code SET NX PX ttl}; its
 *       value is a random 128-bit token and the holder's host, pid and progress. It expires on
 *       Redis's clock when its owner stops renewing it.
 *   <li>Renew and release are Lua scripts that compare the token and then extend or delete, in one
 *       atomic step: nobody extends or deletes another owner's lease.
 *   <li>A release publishes the lease's name on {@code PREFIX + "released"}; {@link #releases}
 *       listens there, on a second connection, subscribed on first use.
 *   <li>Nothing connects until the first call. A failed connection attempt is not remembered: the
 *       next call tries again. While the connection is down, calls fail at once with a {@link
 *       RedisClusterException} instead of queueing, every call gives up after the command timeout,
 *       and Lettuce reconnects in the background (after a Redis restart, leases held before are
 *       gone: their owners' next renewal answers false).
 *   <li>Results are signalled on Lettuce's event-loop threads; do not block in them.
 * </ul>
 */
public final class RedisCluster implements Cluster {
    private final RedisLeases leases;

    private RedisCluster(RedisLeases leases) {
        this.leases = leases;
    }

    /** A cluster on {@code redis://HOST:PORT} (or {@code rediss://}, with {@code :PASSWORD@}) with default options. */
    public static RedisCluster connect(URI redisUri) {
        return connect(redisUri, Options.DEFAULTS);
    }

    /**
     * A cluster on {@code redisUri}; no connection is made until the first call.
     *
     * @throws IllegalArgumentException if {@code redisUri} is not a {@code redis://} or {@code
     *     rediss://} URI
     */
    public static RedisCluster connect(URI redisUri, Options options) {
        return new RedisCluster(
                RedisLeases.create(redisUri, options.connectTimeout(), options.commandTimeout(), options.keyPrefix()));
    }

    @Override
    public Mono<Attempt> tryAcquire(String name, Holder self, Duration ttl) {
        return leases.tryAcquire(name, self, ttl);
    }

    /** Emits {@code name} each time its owner releases the lease; see {@link Cluster#releases}. */
    @Override
    public Flux<String> releases(String name) {
        return leases.releases(name);
    }

    /** Sends Redis a {@code PING}; fails with a {@link RedisClusterException} if it does not answer. */
    @Override
    public Mono<Void> ping() {
        return leases.ping();
    }

    /** Closes both connections and Lettuce's threads; leases still held expire by themselves. */
    @Override
    public void close() {
        leases.close();
    }

    @Override
    public String toString() {
        return "RedisCluster[" + leases.where() + "]";
    }

    /**
     * How to reach Redis.
     *
     * @param connectTimeout how long a connection attempt may take
     * @param commandTimeout how long one command may wait for its answer
     * @param keyPrefix put before every key and channel, so that several caches (or other
     *     applications) can share one Redis: {@code cachet:} by default
     */
    public record Options(Duration connectTimeout, Duration commandTimeout, String keyPrefix) {
        /** 2 s to connect, 2 s per command, prefix {@code cachet:}. */
        public static final Options DEFAULTS = new Options(Duration.ofSeconds(2), Duration.ofSeconds(2), "cachet:");

        /** Validates the fields. */
        public Options {
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
            }
            if (commandTimeout.isNegative() || commandTimeout.isZero()) {
                throw new IllegalArgumentException("commandTimeout must be positive: " + commandTimeout);
            }
            if (keyPrefix.length() > 128 || keyPrefix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("keyPrefix must be at most 128 printable characters");
            }
        }

        /** These options with both timeouts set to {@code timeout}. */
        public Options withTimeouts(Duration timeout) {
            return new Options(timeout, timeout, keyPrefix);
        }

        /** These options with another key prefix. */
        public Options withKeyPrefix(String keyPrefix) {
            return new Options(connectTimeout, commandTimeout, keyPrefix);
        }
    }
}
