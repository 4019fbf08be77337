package io.cachet.cli;

import io.cachet.Cache;
import io.cachet.redis.RedisCluster;
import io.cachet.s3.S3Tier;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Text;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The fleet's clients for one command: the Redis cluster of {@code --cluster}, and the tier of
 * {@code --tier} (S3, or a directory every host mounts). This is the only class that names
 * {@code cachet-redis} and {@code cachet-s3}, and it is loaded only when one of the flags (or its
 * variable) is given, so a command without them loads neither client and starts as fast as ever.
 */
final class FleetClients implements AutoCloseable {
    private final @Nullable Cluster cluster;
    private final BlobTier tier;
    private final @Nullable Duration leaseTtl;

    private FleetClients(@Nullable Cluster cluster, BlobTier tier, @Nullable Duration leaseTtl) {
        this.cluster = cluster;
        this.tier = tier;
        this.leaseTtl = leaseTtl;
    }

    /**
     * Creates the clients; nothing connects until the first fetch.
     *
     * @throws UsageException if a URI cannot be used
     */
    static FleetClients open(Options.Fleet.Settings settings, Map<String, String> env) {
        BlobTier tier = tier(settings, env);
        URI clusterUri = settings.cluster();
        if (clusterUri == null) {
            return new FleetClients(null, tier, null);
        }
        try {
            return new FleetClients(RedisCluster.connect(clusterUri), tier, settings.leaseTtl());
        } catch (IllegalArgumentException e) {
            tier.close();
            throw new UsageException("--cluster: " + e.getMessage());
        }
    }

    private static BlobTier tier(Options.Fleet.Settings settings, Map<String, String> env) {
        URI uri = settings.tier();
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            if (settings.endpoint() != null) {
                throw new UsageException("--tier-endpoint is for an S3 tier, not a directory: " + Text.redact(uri));
            }
            try {
                return DirectoryTier.at(Path.of(uri));
            } catch (IllegalArgumentException e) {
                throw new UsageException(
                        "--tier " + Text.redact(uri) + " is not a usable directory: " + e.getMessage());
            }
        }
        try {
            S3Tier.Builder s3 = S3Tier.builder().location(uri);
            URI endpoint = settings.endpoint();
            if (endpoint != null) {
                s3.endpoint(endpoint);
            }
            String key = env.get("AWS_ACCESS_KEY_ID");
            String secret = env.get("AWS_SECRET_ACCESS_KEY");
            if (key != null && secret != null && !key.isBlank() && env.get("AWS_SESSION_TOKEN") == null) {
                s3.credentials(key, secret);
            }
            String region = env.get("AWS_REGION");
            if (region != null && !region.isBlank()) {
                s3.region(region);
            }
            return s3.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--tier: " + e.getMessage());
        }
    }

    /** Gives the cache the tier, and the cluster if any. */
    void configure(Cache.Builder builder) {
        builder.tier(tier);
        Cluster c = cluster;
        if (c != null) {
            if (leaseTtl != null) {
                builder.cluster(c, leaseTtl);
            } else {
                builder.cluster(c);
            }
        }
    }

    /** Closes the clients, after the cache that used them. */
    @Override
    public void close() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            tier.close();
        }
    }
}
