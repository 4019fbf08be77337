package io.cachet.s3;

import io.cachet.Sha256;
import io.cachet.s3.internal.S3Blobs;
import io.cachet.spi.BlobTier;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * A fleet's shared tier of verified blobs in an S3-compatible object store (AWS S3, MinIO, R2,
 * s3proxy...), on the AWS SDK v2 async client over Netty.
 *
 * <pre>{@code
 * BlobTier tier = S3Tier.of(URI.create("s3://my-bucket/cachet"));          // AWS, default credentials
 * BlobTier local = S3Tier.builder().bucket("cache").prefix("fleet")
 *         .endpoint(URI.create("http://10.0.0.7:9000"))                      // path-style, for S3-compatible servers
 *         .credentials(accessKey, secretKey).build();
 * }</pre>
 *
 * <p>What it keeps where, and how it keeps the {@link BlobTier} promises:
 *
 * <ul>
 *   <li>Blobs at {@code PREFIX/sha256/<hex>}, key records (text: {@code sha256 <hex>\nsize <n>\n}) at
 *       {@code PREFIX/keys/<key id>}.
 *   <li>An upload looks first (HEAD) and writes only what is missing, with {@code If-None-Match: *}
 *       where the server supports it: a blob becomes visible whole (one PUT, or a completed
 *       multipart upload above the multipart threshold), and of two uploaders of one digest both
 *       succeed. A stored object of the wrong size is replaced.
 *   <li>Key records are first-writer-wins on servers with conditional writes (AWS S3 since 2024,
 *       MinIO, R2, GCS). On a server that ignores {@code If-None-Match} (s3proxy 2.6.0), two hosts
 *       recording one key at the same instant may each be told their own record stands; run a
 *       cluster lease too, which serialises first downloads.
 *   <li>{@link #open} reads ranges with {@code Range}, resumes with {@code If-Match} on the ETag (a
 *       changed object is read whole, as {@code If-Range} would), and serves what is stored as it is:
 *       the engine verifies every byte.
 *   <li>Failures are {@link io.cachet.spi.OriginFailure}s: 5xx, 408, 429 and an unreachable server
 *       are transient; 403 is permanent and says to check the credentials. The SDK does not retry
 *       (the engine decides); parts of a multipart upload are tried up to three times.
 *   <li>Credentials and region come from the SDK's default chains ({@code AWS_ACCESS_KEY_ID}, {@code
 *       AWS_SECRET_ACCESS_KEY}, {@code AWS_REGION}, profiles, instance roles) unless given; the region
 *       defaults to {@code us-east-1}.
 * </ul>
 */
public final class S3Tier implements BlobTier {
    private final S3Blobs blobs;
    private final String description;

    private S3Tier(S3Blobs blobs, String description) {
        this.blobs = blobs;
        this.description = description;
    }

    /** A tier at {@code s3://BUCKET/PREFIX} on AWS, with the default credentials and region. */
    public static S3Tier of(URI s3Uri) {
        return builder().location(s3Uri).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public URI locate(Sha256 sha256) {
        return blobs.locate(sha256);
    }

    @Override
    public Mono<Long> find(Sha256 sha256) {
        return blobs.find(sha256);
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return blobs.open(request);
    }

    @Override
    public Mono<Void> upload(Sha256 sha256, Path file, long size) {
        return blobs.upload(sha256, file, size);
    }

    @Override
    public Mono<KeyRecord> record(String keyId) {
        return blobs.record(keyId);
    }

    @Override
    public Mono<KeyRecord> recordIfAbsent(String keyId, KeyRecord record) {
        return blobs.recordIfAbsent(keyId, record);
    }

    /** Closes the S3 client, its connections and its threads. */
    @Override
    public void close() {
        blobs.close();
    }

    @Override
    public String toString() {
        return "S3Tier[" + description + "]";
    }

    /** How to reach the tier; {@link #bucket} is required. */
    public static final class Builder {
        private @Nullable String bucket;
        private String prefix = "";
        private @Nullable URI endpoint;
        private @Nullable Boolean pathStyle;
        private @Nullable String region;
        private @Nullable AwsCredentialsProvider credentials;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(30);
        private long multipartThreshold = 64L << 20;
        private long partSize = 16L << 20;

        private Builder() {}

        /** The bucket and prefix of {@code s3://BUCKET/PREFIX}. */
        public Builder location(URI s3Uri) {
            if (!"s3".equalsIgnoreCase(s3Uri.getScheme()) || s3Uri.getHost() == null) {
                throw new IllegalArgumentException(
                        "not an S3 location: " + Text.redact(s3Uri) + "; write s3://BUCKET/PREFIX");
            }
            bucket(s3Uri.getHost());
            return prefix(s3Uri.getPath() == null ? "" : s3Uri.getPath());
        }

        public Builder bucket(String bucket) {
            if (!bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("not an S3 bucket name: " + Text.printable(bucket, 80)
                        + " (3 to 63 lower-case letters, digits, dots and hyphens)");
            }
            this.bucket = bucket;
            return this;
        }

        /** The folder within the bucket, such as {@code cachet} or {@code teams/ml/cache}; none by default. */
        public Builder prefix(String prefix) {
            String p = prefix.replaceAll("^/+|/+$", "");
            if (p.contains("//") || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f) || p.length() > 512) {
                throw new IllegalArgumentException("not a usable key prefix: " + Text.printable(prefix, 80));
            }
            this.prefix = p;
            return this;
        }

        /** An S3-compatible server ({@code http://HOST:PORT}); path-style access then, unless told otherwise. */
        public Builder endpoint(URI endpoint) {
            String scheme =
                    endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
                throw new IllegalArgumentException(
                        "not an S3 endpoint: " + Text.redact(endpoint) + "; write http(s)://HOST:PORT");
            }
            this.endpoint = endpoint;
            return this;
        }

        /** Whether to address buckets in the path ({@code host/bucket/key}) rather than the host name. */
        public Builder pathStyle(boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        /**
         * The region, such as {@code eu-west-1}; else the SDK's chain ({@code AWS_REGION}, profiles),
         * else us-east-1. With an {@link #endpoint}: else {@code AWS_REGION}, else us-east-1.
         */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /** Explicit credentials instead of the SDK's default chain. */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            this.credentials =
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
            return this;
        }

        /** How long a connection attempt may take; 5 s by default. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long a read may wait for the next bytes (not a total); 30 s by default. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive("readTimeout", timeout);
            return this;
        }

        /**
         * Uploads of at least {@code threshold} bytes go in parts of {@code partSize} (S3 wants at
         * least 5 MiB a part but the last, and at most 10,000 parts); 64 MiB and 16 MiB by default.
         */
        public Builder multipart(long threshold, long partSize) {
            if (partSize < 1 || threshold < 1) {
                throw new IllegalArgumentException("multipart threshold and part size must be positive");
            }
            this.multipartThreshold = threshold;
            this.partSize = partSize;
            return this;
        }

        /**
         * The tier. Connects nothing yet.
         *
         * @throws IllegalStateException without a bucket
         */
        public S3Tier build() {
            if (bucket == null) {
                throw new IllegalStateException("an S3 tier needs a bucket: S3Tier.builder().bucket(...)");
            }
            // Our own event loops, so that close() stops them at once (the SDK's own wait a quiet
            // period of 2 s after close) and returns only when their threads are gone.
            SdkEventLoopGroup loops =
                    SdkEventLoopGroup.builder().numberOfThreads(2).build();
            S3AsyncClientBuilder client = S3AsyncClient.builder()
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                            .eventLoopGroup(loops)
                            .connectionTimeout(connectTimeout)
                            .readTimeout(readTimeout)
                            .writeTimeout(readTimeout)
                            .maxConcurrency(64))
                    .region(Region.of(region()))
                    .credentialsProvider(
                            credentials != null
                                    ? credentials
                                    : DefaultCredentialsProvider.builder().build())
                    // Only what the request needs: S3-compatible servers do not all take the SDK's
                    // default trailing checksums, and the engine verifies SHA-256 anyway.
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
            if (endpoint != null) {
                client.endpointOverride(endpoint);
            }
            client.forcePathStyle(pathStyle != null ? pathStyle : endpoint != null);
            String where = (endpoint != null ? Text.redact(endpoint) + " " : "") + "s3://" + bucket
                    + (prefix.isEmpty() ? "" : "/" + prefix);
            Runnable stopLoops = () -> loops.eventLoopGroup()
                    .shutdownGracefully(0, 5, TimeUnit.SECONDS)
                    .awaitUninterruptibly(10, TimeUnit.SECONDS);
            return new S3Tier(
                    new S3Blobs(client.build(), stopLoops, bucket, prefix, multipartThreshold, partSize), where);
        }

        private String region() {
            if (region != null) {
                return region;
            }
            if (endpoint != null) {
                // An S3-compatible server, which mostly ignores the region: not the SDK's chain, which
                // reads profiles and may ask for instance metadata, slow off AWS.
                String fromEnvironment = System.getenv("AWS_REGION");
                return fromEnvironment == null || fromEnvironment.isBlank() ? "us-east-1" : fromEnvironment;
            }
            return defaultRegion();
        }

        private static String defaultRegion() {
            try {
                return DefaultAwsRegionProviderChain.builder()
                        .build()
                        .getRegion()
                        .id();
            } catch (SdkClientException none) {
                return "us-east-1";
            }
        }

        private static Duration positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
