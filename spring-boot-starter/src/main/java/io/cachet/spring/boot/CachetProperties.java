package io.cachet.spring.boot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code cachet.*} properties: the auto-configured cache's settings. Each has the default of
 * the matching {@link io.cachet.Cache.Builder} method; only {@code cachet.root} is required.
 */
@ConfigurationProperties("cachet")
public class CachetProperties {

    /** The cache directory, created if missing. Required. */
    private @Nullable Path root;

    /**
     * How long a download may wait for its next bytes, or for the origin's first answer, before the
     * attempt fails and is retried.
     */
    private Duration idleTimeout = Duration.ofSeconds(30);

    /**
     * How long a fetch waits for another process's download of the same artifact before failing.
     * Unset: as long as that process lives (a stalled one fails by its own idle timeout).
     */
    private @Nullable Duration lockTimeout;

    /** The slowest transfer tolerated, per second, averaged over the throughput window; 0 disables the check. */
    private DataSize minThroughput = DataSize.ofKilobytes(1);

    /** The window over which the minimum throughput is averaged. */
    private Duration throughputWindow = Duration.ofSeconds(60);

    /** The largest artifact accepted when a request does not say its size. Unset: unlimited. */
    private @Nullable DataSize maxArtifactSize;

    /** Whether users of the directory's group share the cache (group-writable directories and locks). */
    private boolean sharedWithGroup;

    /** The size of each write to disk (and of each of the few buffers a download holds). */
    private DataSize writeBufferSize = DataSize.ofKilobytes(512);

    /**
     * The most connections one download uses, each fetching a range of the artifact, when the origin
     * serves ranges (1 turns parallel ranges off). Unset: chosen by size, at most 8.
     */
    private @Nullable Integer connections;

    /**
     * Whether the cache works offline: cached artifacts are served, and a miss fails at once with
     * OfflineException, asking no origin.
     */
    private boolean offline;

    /**
     * The size the cache is kept under: past it, least recently used artifacts are evicted in the
     * background after commits (never those in use or used within the eviction minimum age). Unset:
     * no cap.
     */
    private @Nullable DataSize maxSize;

    /** How long eviction keeps an artifact after its last use. */
    private Duration evictionMinAge = Duration.ofMinutes(10);

    /** How transient failures are retried. */
    private final Retry retry = new Retry();

    /** The HTTP origin. */
    private final Http http = new Http();

    /** The Micrometer metrics. */
    private final Metrics metrics = new Metrics();

    /** The actuator health indicator. */
    private final Health health = new Health();

    /** Sharing downloads with the other hosts of a fleet. */
    private final Fleet fleet = new Fleet();

    public @Nullable Path getRoot() {
        return root;
    }

    public void setRoot(@Nullable Path root) {
        this.root = root;
    }

    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public @Nullable Duration getLockTimeout() {
        return lockTimeout;
    }

    public void setLockTimeout(@Nullable Duration lockTimeout) {
        this.lockTimeout = lockTimeout;
    }

    public DataSize getMinThroughput() {
        return minThroughput;
    }

    public void setMinThroughput(DataSize minThroughput) {
        this.minThroughput = minThroughput;
    }

    public Duration getThroughputWindow() {
        return throughputWindow;
    }

    public void setThroughputWindow(Duration throughputWindow) {
        this.throughputWindow = throughputWindow;
    }

    public @Nullable DataSize getMaxArtifactSize() {
        return maxArtifactSize;
    }

    public void setMaxArtifactSize(@Nullable DataSize maxArtifactSize) {
        this.maxArtifactSize = maxArtifactSize;
    }

    public boolean isSharedWithGroup() {
        return sharedWithGroup;
    }

    public void setSharedWithGroup(boolean sharedWithGroup) {
        this.sharedWithGroup = sharedWithGroup;
    }

    public DataSize getWriteBufferSize() {
        return writeBufferSize;
    }

    public void setWriteBufferSize(DataSize writeBufferSize) {
        this.writeBufferSize = writeBufferSize;
    }

    public @Nullable Integer getConnections() {
        return connections;
    }

    public void setConnections(@Nullable Integer connections) {
        this.connections = connections;
    }

    public boolean isOffline() {
        return offline;
    }

    public void setOffline(boolean offline) {
        this.offline = offline;
    }

    public @Nullable DataSize getMaxSize() {
        return maxSize;
    }

    public void setMaxSize(@Nullable DataSize maxSize) {
        this.maxSize = maxSize;
    }

    public Duration getEvictionMinAge() {
        return evictionMinAge;
    }

    public void setEvictionMinAge(Duration evictionMinAge) {
        this.evictionMinAge = evictionMinAge;
    }

    public Retry getRetry() {
        return retry;
    }

    public Http getHttp() {
        return http;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Health getHealth() {
        return health;
    }

    public Fleet getFleet() {
        return fleet;
    }

    /** {@code cachet.retry.*}: the {@link io.cachet.RetryPolicy}. */
    public static class Retry {
        /** Retries after the first attempt; 0 disables retrying. */
        private int maxRetries = 3;

        /** The delay before the first retry; each next one doubles it. */
        private Duration firstBackoff = Duration.ofMillis(500);

        /** The largest delay between attempts. */
        private Duration maxBackoff = Duration.ofSeconds(10);

        /** The random spread of each delay, from 0 (none) to 1 (up to twice the delay). */
        private double jitter = 0.5;

        /** The longest Retry-After honoured; an origin asking for longer fails at once. */
        private Duration maxRetryAfter = Duration.ofMinutes(2);

        public int getMaxRetries() {
            return maxRetries;
        }

        public void setMaxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getFirstBackoff() {
            return firstBackoff;
        }

        public void setFirstBackoff(Duration firstBackoff) {
            this.firstBackoff = firstBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public double getJitter() {
            return jitter;
        }

        public void setJitter(double jitter) {
            this.jitter = jitter;
        }

        public Duration getMaxRetryAfter() {
            return maxRetryAfter;
        }

        public void setMaxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
        }
    }

    /** {@code cachet.http.*}: the reactor-netty HTTP origin. */
    public static class Http {
        /** How long to wait for a TCP connection. */
        private Duration connectTimeout = Duration.ofSeconds(10);

        /** How long to wait for a response's headers once the request is sent. */
        private Duration responseHeaderTimeout = Duration.ofSeconds(60);

        /** How many redirects to follow, from 0 to 10. */
        private int maxRedirects = 10;

        /** Whether to offer HTTP/2 over TLS. */
        private boolean http2 = true;

        /**
         * A proxy for every request ({@code http://[user:password@]host:port} or
         * {@code socks5://host:port}). Unset: the client's own, else https_proxy and http_proxy.
         */
        private @Nullable URI proxy;

        /** Hosts reached without the proxy, as in NO_PROXY: {@code example.com,.internal,10.0.0.0/8}. */
        private @Nullable String noProxy;

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getResponseHeaderTimeout() {
            return responseHeaderTimeout;
        }

        public void setResponseHeaderTimeout(Duration responseHeaderTimeout) {
            this.responseHeaderTimeout = responseHeaderTimeout;
        }

        public int getMaxRedirects() {
            return maxRedirects;
        }

        public void setMaxRedirects(int maxRedirects) {
            this.maxRedirects = maxRedirects;
        }

        public boolean isHttp2() {
            return http2;
        }

        public void setHttp2(boolean http2) {
            this.http2 = http2;
        }

        public @Nullable URI getProxy() {
            return proxy;
        }

        public void setProxy(@Nullable URI proxy) {
            this.proxy = proxy;
        }

        public @Nullable String getNoProxy() {
            return noProxy;
        }

        public void setNoProxy(@Nullable String noProxy) {
            this.noProxy = noProxy;
        }
    }

    /** {@code cachet.metrics.*}: the meters, registered when the application has a MeterRegistry. */
    public static class Metrics {
        /** How often the size of the store is read again from the directory. */
        private Duration storeRescanInterval = Duration.ofMinutes(5);

        public Duration getStoreRescanInterval() {
            return storeRescanInterval;
        }

        public void setStoreRescanInterval(Duration storeRescanInterval) {
            this.storeRescanInterval = storeRescanInterval;
        }
    }

    /** {@code cachet.health.*}: the health indicator, enabled by management.health.cachet.enabled. */
    public static class Health {
        /** The free space below which the cache is reported DOWN. */
        private DataSize minFreeSpace = DataSize.ofMegabytes(100);

        public DataSize getMinFreeSpace() {
            return minFreeSpace;
        }

        public void setMinFreeSpace(DataSize minFreeSpace) {
            this.minFreeSpace = minFreeSpace;
        }
    }

    /**
     * {@code cachet.fleet.*}: one download per artifact across the hosts of a fleet, through an
     * S3-compatible tier (needs {@code io.cachet:cachet-s3}) and a Redis cluster lease (needs {@code
     * io.cachet:cachet-redis}).
     */
    public static class Fleet {
        /** The shared tier, {@code s3://BUCKET/PREFIX}. Unset: no fleet. */
        private @Nullable URI tier;

        /** The Redis that says which host downloads, {@code redis://HOST:PORT}; needs a tier. Unset: none. */
        private @Nullable URI cluster;

        /** How long a lease outlives a holder that stops renewing it (a host killed or cut off). */
        private Duration leaseTtl = Duration.ofSeconds(30);

        /** How long the health indicator waits for the tier and the cluster to answer. */
        private Duration healthTimeout = Duration.ofSeconds(2);

        /** The S3 client of the tier. */
        private final S3 s3 = new S3();

        public @Nullable URI getTier() {
            return tier;
        }

        public void setTier(@Nullable URI tier) {
            this.tier = tier;
        }

        public @Nullable URI getCluster() {
            return cluster;
        }

        public void setCluster(@Nullable URI cluster) {
            this.cluster = cluster;
        }

        public Duration getLeaseTtl() {
            return leaseTtl;
        }

        public void setLeaseTtl(Duration leaseTtl) {
            this.leaseTtl = leaseTtl;
        }

        public Duration getHealthTimeout() {
            return healthTimeout;
        }

        public void setHealthTimeout(Duration healthTimeout) {
            this.healthTimeout = healthTimeout;
        }

        public S3 getS3() {
            return s3;
        }
    }

    /**
     * {@code cachet.fleet.s3.*}: how the tier reaches S3. Credentials and region default to the AWS
     * SDK's chains (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles, instance roles).
     */
    public static class S3 {
        /** An S3-compatible server ({@code http://HOST:PORT}: MinIO, Ceph, R2...), addressed path-style. Unset: AWS. */
        private @Nullable URI endpoint;

        /** The region, such as eu-west-1. Unset: the SDK's chain (with an endpoint: AWS_REGION), else us-east-1. */
        private @Nullable String region;

        /** The access key id; with the secret access key, instead of the SDK's chain. */
        private @Nullable String accessKeyId;

        /** The secret access key; with the access key id, instead of the SDK's chain. */
        private @Nullable String secretAccessKey;

        public @Nullable URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(@Nullable URI endpoint) {
            this.endpoint = endpoint;
        }

        public @Nullable String getRegion() {
            return region;
        }

        public void setRegion(@Nullable String region) {
            this.region = region;
        }

        public @Nullable String getAccessKeyId() {
            return accessKeyId;
        }

        public void setAccessKeyId(@Nullable String accessKeyId) {
            this.accessKeyId = accessKeyId;
        }

        public @Nullable String getSecretAccessKey() {
            return secretAccessKey;
        }

        public void setSecretAccessKey(@Nullable String secretAccessKey) {
            this.secretAccessKey = secretAccessKey;
        }
    }
}
