package io.cachet.spring.boot;

import io.cachet.redis.RedisCluster;
import io.cachet.s3.S3Tier;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Text;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * The fleet's clients from {@code cachet.fleet.*}. The classes of {@code cachet-s3} and {@code
 * cachet-redis} are named only in the nested factories, which are loaded only once their module is
 * known to be on the application's class path: an application without them gets a message saying what to add,
 * not a {@code NoClassDefFoundError}.
 */
final class FleetClients {
    private FleetClients() {}

    /** The tier of {@code cachet.fleet.tier}, which must be set. */
    static BlobTier tier(CachetProperties.Fleet fleet, @Nullable ClassLoader classes) {
        URI uri = require(fleet.getTier(), "cachet.fleet.tier");
        if (!"s3".equalsIgnoreCase(uri.getScheme())) {
            throw invalid("cachet.fleet.tier", uri, "the tier is an S3 location: write s3://BUCKET/PREFIX");
        }
        if (!ClassUtils.isPresent("io.cachet.s3.S3Tier", classes)) {
            throw invalid(
                    "cachet.fleet.tier",
                    uri,
                    "an S3 tier needs cachet-s3 on the class path: add the dependency io.cachet:cachet-s3");
        }
        try {
            return S3.create(uri, fleet.getS3());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw invalid("cachet.fleet.tier", uri, String.valueOf(e.getMessage()));
        }
    }

    /** The cluster of {@code cachet.fleet.cluster}, which must be set. */
    static Cluster cluster(CachetProperties.Fleet fleet, @Nullable ClassLoader classes) {
        URI uri = require(fleet.getCluster(), "cachet.fleet.cluster");
        if (!ClassUtils.isPresent("io.cachet.redis.RedisCluster", classes)) {
            throw invalid(
                    "cachet.fleet.cluster",
                    uri,
                    "a Redis cluster needs cachet-redis on the class path: add the dependency io.cachet:cachet-redis");
        }
        try {
            return Redis.create(uri);
        } catch (IllegalArgumentException e) {
            throw invalid("cachet.fleet.cluster", uri, String.valueOf(e.getMessage()));
        }
    }

    private static URI require(@Nullable URI uri, String property) {
        if (uri == null) {
            throw new InvalidConfigurationPropertyValueException(property, null, "set " + property);
        }
        return uri;
    }

    private static InvalidConfigurationPropertyValueException invalid(String property, URI uri, String reason) {
        // The property's value is shown redacted: a Redis URI may carry a password.
        return new InvalidConfigurationPropertyValueException(property, Text.redact(uri), reason);
    }

    /** Fails if {@code cachet.fleet.cluster} is set without a tier, which the cluster needs. */
    static void checkClusterHasTier(CachetProperties.Fleet fleet) {
        URI cluster = fleet.getCluster();
        if (cluster != null && fleet.getTier() == null) {
            throw invalid(
                    "cachet.fleet.cluster",
                    cluster,
                    "a cluster shares downloads through a tier: set cachet.fleet.tier too (s3://BUCKET/PREFIX)");
        }
    }

    /** Loaded only when cachet-s3 is on the class path. */
    private static final class S3 {
        static BlobTier create(URI location, CachetProperties.S3 settings) {
            S3Tier.Builder s3 = S3Tier.builder().location(location);
            if (settings.getEndpoint() != null) {
                s3.endpoint(settings.getEndpoint());
            }
            if (settings.getRegion() != null) {
                s3.region(settings.getRegion());
            }
            String key = settings.getAccessKeyId();
            String secret = settings.getSecretAccessKey();
            if (key != null && secret != null) {
                s3.credentials(key, secret);
            } else if (key != null || secret != null) {
                throw new IllegalArgumentException("set both cachet.fleet.s3.access-key-id and"
                        + " cachet.fleet.s3.secret-access-key, or neither (to use the AWS SDK's default chain)");
            }
            return s3.build();
        }
    }

    /** Loaded only when cachet-redis is on the class path. */
    private static final class Redis {
        static Cluster create(URI uri) {
            return RedisCluster.connect(uri);
        }
    }
}
