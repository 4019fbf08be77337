package io.cachet.reactor;

import io.cachet.reactor.internal.HttpOrigin;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The {@code http} and {@code https} {@link Origin} on reactor-netty's {@link HttpClient}: what
 * Cachet uses by default when {@code cachet-reactor} is on the class or module path.
 *
 * <pre>{@code
 * // A WebFlux service shares its own client: its connection pool and event loops.
 * NettyOrigin origin = NettyOrigin.builder(httpClient).connectTimeout(Duration.ofSeconds(5)).build();
 * Cache cache = Cache.builder().root(dir).origin(origin).build();
 * }</pre>
 *
 * <p>Characteristics:
 *
 * <ul>
 *   <li><b>One GET per hop</b>, sent with {@code Accept-Encoding: identity} and, for a resume or
 *       a bounded request, {@code Range: bytes=N-} or {@code bytes=N-M} with {@code If-Range}
 *       (strong ETag, else Last-Modified) when there are validators. A 200 is the whole artifact
 *       ({@code FULL}, whatever was asked); a 206 is used only if its {@code Content-Range} names
 *       exactly the range asked for (cut at the artifact's end) and its body holds exactly those
 *       bytes, and is otherwise an {@link io.cachet.spi.OriginFailure#unusableRange unusable
 *       range}; a 416 whose {@code Content-Range} is {@code bytes *}{@code /N} at the offset is an
 *       empty remainder. {@code acceptsRanges} is true after a 206 or {@code Accept-Ranges: bytes}.
 *   <li><b>Body</b>: streamed with backpressure as reactor-netty's pooled buffers, each exposed
 *       without a copy and released right after the engine's {@code onNext}; a body that ends
 *       early fails, a cancelled one closes its connection. A compressed body (any
 *       {@code Content-Encoding} but identity) fails permanently and is never decoded.
 *   <li><b>User info</b> in the URL ({@code http://user:password@host/}) is sent, as curl does,
 *       as {@code Authorization: Basic} with user and password percent-decoded (UTF-8), to that
 *       origin only (same scheme, host and port, redirects included) and never to another origin
 *       a redirect leads to, nor back to this one after that. An {@code Authorization} the caller
 *       sets (in the request, or as a default of its {@code HttpClient}) is sent instead. User
 *       info never goes into the request line, {@code Host}, a message or a log.
 *   <li><b>Redirects</b> are followed here, hop by hop: at most {@link Builder#maxRedirects} (10
 *       at most), only to http and https, never from https to http; the request's headers
 *       ({@code Authorization}, {@code Cookie}, tokens) are dropped for good once a hop changes
 *       scheme, host or port.
 *   <li><b>Errors</b>: 408, 429 and 5xx are transient {@link io.cachet.spi.OriginFailure}s carrying
 *       {@code Retry-After}; other statuses are permanent; connection failures are transient
 *       {@link java.io.IOException}s; an untrusted certificate is permanent. Messages carry the URL
 *       without credentials or query.
 *   <li><b>Timeouts</b>: only a connect timeout and a response-header safety net live here. The
 *       engine enforces, for every origin and in its own (virtual, in tests) time, the time to the
 *       first response, the idle timeout while reading the body and the minimum-throughput rule
 *       against trickling origins; retries, resume and size limits are the engine's too.
 *   <li><b>Threads</b>: nothing blocks; signals arrive on the client's event loops.
 * </ul>
 */
public final class NettyOrigin implements Origin {
    private final HttpOrigin engine;

    /**
     * The default origin, as {@link java.util.ServiceLoader} creates it from the class path: the same
     * as {@link #create()}.
     */
    public NettyOrigin() {
        this(builder().build().engine);
    }

    private NettyOrigin(HttpOrigin engine) {
        this.engine = engine;
    }

    /** The default origin, for {@link java.util.ServiceLoader} on the module path. */
    public static NettyOrigin provider() {
        return create();
    }

    /** An origin with every default, on reactor-netty's shared client resources. */
    public static NettyOrigin create() {
        return builder().build();
    }

    /** A builder on reactor-netty's default {@link HttpClient} and its shared resources. */
    public static Builder builder() {
        return new Builder(new Builder.Values());
    }

    /**
     * A builder on the caller's client: its {@code ConnectionProvider}, {@code LoopResources},
     * resolver, metrics and hooks are used as they are, and nothing is created in their place. The
     * origin derives its own configuration from it (redirects off, compression off, the settings of
     * this builder) without changing {@code client}, which stays the caller's to dispose.
     */
    public static Builder builder(HttpClient client) {
        Objects.requireNonNull(client, "client");
        return new Builder(new Builder.Values()).with(v -> v.client = client);
    }

    @Override
    public boolean supports(URI uri) {
        String scheme = uri.getScheme();
        return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
    }

    /**
     * Opens {@code request.uri()} from {@code request.offset()}; see the class description. Lazy:
     * each subscription is one request (and its redirects).
     */
    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return engine.open(request);
    }

    @Override
    public String toString() {
        return "NettyOrigin";
    }

    /**
     * Configures a {@link NettyOrigin}. Immutable, like reactor-netty's {@code HttpClient}: every
     * setter returns a new builder and leaves this one as it was, so a builder can be shared and
     * specialised freely.
     */
    public static final class Builder {
        // Each setter changes a copy; a builder never changes the values it holds.
        private final Values values;

        private Builder(Values values) {
            this.values = values;
        }

        private Builder with(Consumer<Values> change) {
            Values copy = values.copy();
            change.accept(copy);
            return new Builder(copy);
        }

        /** How long to wait for a TCP connection. Default: 10 seconds. */
        public Builder connectTimeout(Duration timeout) {
            Duration d = positive("connect timeout", timeout);
            return with(v -> v.connectTimeout = d);
        }

        /**
         * How long to wait for a response's headers once the request is sent; a safety net for
         * callers that use the origin without Cachet's engine, whose own first-response timeout is
         * normally shorter. Default: 60 seconds.
         */
        public Builder responseHeaderTimeout(Duration timeout) {
            Duration d = positive("response header timeout", timeout);
            return with(v -> v.headerTimeout = d);
        }

        /** How many redirects to follow, from 0 to 10. Default: 10. */
        public Builder maxRedirects(int max) {
            if (max < 0 || max > HttpOrigin.maxRedirects()) {
                throw new IllegalArgumentException(
                        "max redirects must be between 0 and " + HttpOrigin.maxRedirects() + ": " + max);
            }
            return with(v -> v.maxRedirects = max);
        }

        /**
         * Which redirect targets may be followed, on top of the fixed rules (http and https only, no
         * downgrade). A service that fetches URLs on behalf of others can refuse internal networks
         * here, for example link-local metadata addresses. The filter sees the URL, not the addresses
         * its host resolves to. Default: every http and https URL.
         */
        public Builder redirectFilter(Predicate<URI> allowed) {
            Objects.requireNonNull(allowed, "allowed");
            return with(v -> v.redirectFilter = allowed);
        }

        /**
         * Sends every request through {@code proxy} ({@code http://[user:password@]host:port} or
         * {@code socks5://host:port}), whatever the environment says. Loopback addresses are
         * always reached directly.
         */
        public Builder proxy(URI proxy) {
            return proxy(proxy, null);
        }

        /**
         * Like {@link #proxy(URI)}, except for the hosts in {@code noProxy}, a {@code NO_PROXY}-style
         * list: {@code example.com,.internal,10.0.0.0/8,localhost:8080}.
         */
        public Builder proxy(URI proxy, @Nullable String noProxy) {
            Objects.requireNonNull(proxy, "proxy");
            return with(v -> {
                v.proxy = proxy;
                v.noProxy = noProxy;
            });
        }

        /**
         * Where {@code https_proxy}, {@code http_proxy} and {@code no_proxy} (or their upper-case
         * forms) are read when no proxy is set on this builder and the client has none of its own.
         * Default: {@link System#getenv()} at {@link #build()}.
         */
        public Builder environment(Map<String, String> environment) {
            Map<String, String> copy = Map.copyOf(environment);
            return with(v -> v.environment = copy);
        }

        /**
         * Whether to offer HTTP/2 over TLS (by ALPN; HTTP/1.1 is used when the server does not
         * accept it). Ignored for a client that configures TLS itself. Default: true.
         */
        public Builder http2(boolean enabled) {
            return with(v -> v.http2 = enabled);
        }

        /**
         * Trusts these certificates (a private CA, or a server's own certificate) in addition to the
         * JDK's trust store. Host names are verified either way; there is no way to trust everything.
         * Not for a client that configures TLS itself.
         */
        public Builder trustedCertificates(X509Certificate... certificates) {
            List<X509Certificate> copy = List.of(certificates);
            return with(v -> v.trusted = copy);
        }

        /** The clock that {@code Retry-After} dates are read against. Default: the system clock. */
        public Builder clock(Clock clock) {
            Objects.requireNonNull(clock, "clock");
            return with(v -> v.clock = clock);
        }

        /**
         * The origin.
         *
         * @throws IllegalArgumentException if a proxy URL (set here or in the environment) cannot be
         *     used, or certificates were given for a client that configures TLS itself
         */
        public NettyOrigin build() {
            return new NettyOrigin(HttpOrigin.create(values.options()));
        }

        private static Duration positive(String what, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }

        /**
         * The builder's values with their defaults: a private scratch copy that {@link #with} changes
         * before any builder holds it. Every field is an immutable value, so a shallow copy is a copy.
         */
        private static final class Values implements Cloneable {
            @Nullable
            HttpClient client;

            Duration connectTimeout = Duration.ofSeconds(10);
            Duration headerTimeout = Duration.ofSeconds(60);
            int maxRedirects = HttpOrigin.maxRedirects();
            Predicate<URI> redirectFilter = uri -> true;

            @Nullable
            URI proxy;

            @Nullable
            String noProxy;

            @Nullable
            Map<String, String> environment;

            boolean http2 = true;
            List<X509Certificate> trusted = List.of();
            Clock clock = Clock.systemUTC();

            Values copy() {
                try {
                    return (Values) clone();
                } catch (CloneNotSupportedException e) {
                    throw new AssertionError("Values is Cloneable", e);
                }
            }

            HttpOrigin.Options options() {
                return new HttpOrigin.Options(
                        client,
                        connectTimeout,
                        headerTimeout,
                        maxRedirects,
                        redirectFilter,
                        proxy,
                        noProxy,
                        environment,
                        http2,
                        trusted,
                        clock);
            }
        }
    }
}
