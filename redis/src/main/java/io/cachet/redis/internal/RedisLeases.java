package io.cachet.redis.internal;

import io.cachet.redis.RedisClusterException;
import io.cachet.spi.Cluster.Attempt;
import io.cachet.spi.Cluster.Busy;
import io.cachet.spi.Cluster.Granted;
import io.cachet.spi.Cluster.Holder;
import io.cachet.spi.Cluster.Lease;
import io.cachet.spi.Text;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The engine behind {@code RedisCluster}: two lazily made connections (commands, and pub/sub for
 * release notifications), the lease scripts of {@link LeaseScripts}, and the mapping of Lettuce's
 * failures to {@link RedisClusterException}.
 *
 * <p>Failing fast. Lettuce by default queues commands while it reconnects, which would make a
 * caller wait for a Redis that is down; here a disconnected connection rejects commands at once,
 * every command has a timeout, and a connection attempt has its own. Lettuce keeps reconnecting in
 * the background, at most {@link #RECONNECT_CAP} apart, so a restarted Redis is used again soon.
 */
public final class RedisLeases implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLeases.class);
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);
    private static final Duration RECONNECT_CAP = Duration.ofSeconds(1);
    private static final int MAX_NAME = 512;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String where;
    private final Duration commandTimeout;
    private final String keyPrefix;
    private final String channel;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI redisUri;
    private final Mono<StatefulRedisConnection<String, String>> commands;
    private final Mono<StatefulRedisPubSubConnection<String, String>> pubSub;

    // Guarded by this.
    private final List<StatefulConnection<?, ?>> open = new ArrayList<>();
    // Guarded by this.
    private boolean closed;

    private RedisLeases(
            URI uri, RedisURI redisUri, Duration connectTimeout, Duration commandTimeout, String keyPrefix) {
        this.where = Text.redact(uri);
        this.redisUri = redisUri;
        this.commandTimeout = commandTimeout;
        this.keyPrefix = keyPrefix;
        this.channel = keyPrefix + "released";
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), RECONNECT_CAP, 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(connectTimeout)
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        this.commands = connection(() -> client.connectAsync(StringCodec.UTF8, redisUri));
        this.pubSub = connection(() -> client.connectPubSubAsync(StringCodec.UTF8, redisUri))
                .flatMap(c -> c.reactive().subscribe(channel).thenReturn(c))
                .cache(c -> FOREVER, e -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** See {@code RedisCluster.connect}. */
    public static RedisLeases create(URI uri, Duration connectTimeout, Duration commandTimeout, String keyPrefix) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss") || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "not a Redis URI: " + Text.redact(uri) + "; write redis://HOST:PORT (or rediss:// for TLS)");
        }
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "not a usable Redis URI: " + Text.redact(uri) + " (" + e.getMessage() + ")", e);
        }
        redisUri.setTimeout(commandTimeout);
        return new RedisLeases(uri, redisUri, connectTimeout, commandTimeout, keyPrefix);
    }

    public String where() {
        return where;
    }

    // ---- the lease protocol ----

    public Mono<Attempt> tryAcquire(String name, Holder self, Duration ttl) {
        String key = key(name);
        String px = millis(ttl);
        return Mono.defer(() -> {
                    String token = newToken();
                    String value = LeaseValue.encode(token, self);
                    return commands.flatMap(c -> c.reactive()
                                    .<String>eval(
                                            LeaseScripts.ACQUIRE, ScriptOutputType.VALUE, new String[] {key}, value, px)
                                    .next()
                                    .defaultIfEmpty(""))
                            .map(current -> current.equals(value)
                                    ? (Attempt) new Granted(new RedisLease(name, key, token))
                                    : new Busy(LeaseValue.decode(current)));
                })
                .onErrorMap(e -> failure("could not take the lease " + Text.printable(name, 80), e));
    }

    public Mono<Void> ping() {
        return Mono.defer(() -> commands.flatMap(c -> c.reactive().ping()))
                .then()
                .onErrorMap(e -> failure("could not reach Redis", e));
    }

    public Flux<String> releases(String name) {
        key(name); // validates
        return pubSub.flatMapMany(c -> c.reactive().observeChannels())
                .filter(m -> channel.equals(m.getChannel()) && name.equals(m.getMessage()))
                .map(m -> name)
                .onBackpressureLatest()
                .onErrorMap(e -> failure("could not listen for releases", e));
    }

    private final class RedisLease implements Lease {
        private final String name;
        private final String key;
        private final String token;

        RedisLease(String name, String key, String token) {
            this.name = name;
            this.key = key;
            this.token = token;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Mono<Boolean> renew(Duration ttl, Holder progress) {
            String px = millis(ttl);
            return Mono.defer(() -> commands.flatMap(c -> c.reactive()
                                    .<Long>eval(
                                            LeaseScripts.RENEW,
                                            ScriptOutputType.INTEGER,
                                            new String[] {key},
                                            LeaseValue.tokenLine(token),
                                            LeaseValue.encode(token, progress),
                                            px)
                                    .next())
                            .map(held -> held == 1L)
                            .defaultIfEmpty(false))
                    .onErrorMap(e -> failure("could not renew the lease " + Text.printable(name, 80), e));
        }

        @Override
        public Mono<Void> release() {
            return Mono.defer(() -> commands.flatMap(c -> c.reactive()
                            .<Long>eval(
                                    LeaseScripts.RELEASE,
                                    ScriptOutputType.INTEGER,
                                    new String[] {key},
                                    LeaseValue.tokenLine(token),
                                    channel,
                                    name)
                            .then()))
                    .onErrorMap(e -> failure("could not release the lease " + Text.printable(name, 80), e));
        }

        @Override
        public String toString() {
            return "RedisLease[" + name + "]"; // never the token
        }
    }

    // ---- connections ----

    /** A connection made on first use and kept; a failed attempt is forgotten so the next call retries. */
    private <C extends StatefulConnection<?, ?>> Mono<C> connection(Supplier<CompletionStage<C>> connect) {
        return Mono.fromCompletionStage(connect)
                .flatMap(c -> {
                    synchronized (this) {
                        if (!closed) {
                            open.add(c);
                            return Mono.just(c);
                        }
                    }
                    c.closeAsync();
                    return Mono.error(new IllegalStateException("the cluster is closed"));
                })
                .cache(c -> FOREVER, e -> Duration.ZERO, () -> Duration.ZERO);
    }

    @Override
    public void close() {
        List<StatefulConnection<?, ?>> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(open);
            open.clear();
        }
        for (StatefulConnection<?, ?> c : toClose) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("closing a connection to {} failed", where, e);
            }
        }
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("Lettuce did not shut down cleanly for {}: {}", where, e.toString());
        }
        try {
            resources.shutdown(0, 5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("Lettuce's threads did not stop cleanly for {}: {}", where, e.toString());
        }
    }

    // ---- helpers ----

    private String key(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException(
                    "a lease name is 1 to " + MAX_NAME + " printable characters: " + Text.printable(name, 80));
        }
        return keyPrefix + "lease:" + name;
    }

    private static String millis(Duration ttl) {
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("a lease's time to live must be at least 1ms: " + ttl);
        }
        return Long.toString(ttl.toMillis());
    }

    private static String newToken() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private Throwable failure(String what, Throwable e) {
        if (e instanceof RedisClusterException || e instanceof IllegalArgumentException) {
            return e;
        }
        String problem;
        if (e instanceof RedisCommandTimeoutException) {
            problem = what + ": no answer within " + Text.duration(commandTimeout);
        } else if (e instanceof RedisConnectionException) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            problem = what + ": cannot connect (" + cause.getMessage() + ")";
        } else if (e instanceof RedisException && String.valueOf(e.getMessage()).contains("not connected")) {
            problem = what + ": the connection is down (Lettuce is reconnecting)";
        } else {
            problem = what + ": " + e.getMessage();
        }
        return new RedisClusterException(where, problem, e);
    }
}
