package io.cachet.cli;

import io.cachet.spi.Text;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options several commands share, as picocli mixins. */
final class Options {
    private Options() {}

    /** {@code --cache-dir} and {@code --shared-with-group}: which cache, and whose. */
    static final class CacheDir {
        static final String SHARED_VARIABLE = "CACHET_SHARED_WITH_GROUP";

        @Option(
                names = "--cache-dir",
                paramLabel = "DIR",
                description =
                        "The cache directory. Default: $CACHET_CACHE_DIR, else $XDG_CACHE_HOME/cachet, else $HOME/.cache/cachet.")
        @Nullable
        Path cacheDir;

        @Option(
                names = "--shared-with-group",
                description = "Share the cache with the users of its directory's group: what this command creates"
                        + " is group-writable. Every user of a shared cache needs it. Default: $"
                        + SHARED_VARIABLE + " (1 or 0), else off.")
        boolean sharedWithGroup;

        Path resolve(Io io) {
            return CacheDirs.resolve(cacheDir, io.env(), io.home());
        }

        /** The flag, else the environment variable; a variable that is not a yes or a no is a usage error. */
        boolean sharedWithGroup(Io io) {
            return sharedWithGroup || yes(io, SHARED_VARIABLE);
        }
    }

    /** Whether a yes-or-no environment variable says yes; one that is neither is a usage error. */
    static boolean yes(Io io, String variable) {
        String value = io.env().getOrDefault(variable, "").strip();
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "", "0", "false", "no", "off" -> false;
            case "1", "true", "yes", "on" -> true;
            default ->
                throw new UsageException(
                        variable + " must be 1 or 0 (or true or false), not '" + Text.printable(value, 40) + "'");
        };
    }

    /** {@code --max-size} of the commands that fetch: the automatic size cap. */
    static final class Cap {
        static final String VARIABLE = "CACHET_MAX_SIZE";

        @Option(
                names = "--max-size",
                paramLabel = "SIZE",
                converter = SizeConverter.class,
                description = "Keep the cache at most SIZE (blobs, partial downloads and quarantine): after committing,"
                        + " evict the least recently used artifacts, except those used in the last 10 minutes or in"
                        + " use by any process. Default: $" + VARIABLE + ", else no limit.")
        @Nullable
        Long maxSize;

        /** The option, else the variable, else none. */
        OptionalLong resolve(Io io) {
            return maxSize != null ? OptionalLong.of(maxSize) : fromVariable(io);
        }

        /** {@code $CACHET_MAX_SIZE}, if set; one that is not a size is a usage error. */
        static OptionalLong fromVariable(Io io) {
            String value = io.env().getOrDefault(VARIABLE, "").strip();
            if (value.isEmpty()) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Units.parseSize(value));
            } catch (IllegalArgumentException e) {
                throw new UsageException(VARIABLE + " must be a size such as 10GiB, not '" + Text.printable(value, 40)
                        + "': " + e.getMessage());
            }
        }
    }

    /** {@code --json}. */
    static final class JsonOutput {
        @Option(names = "--json", description = "Print one JSON object per line instead of text.")
        boolean json;
    }

    /** {@code --debug}. */
    static final class Debug {
        @Option(names = "--debug", description = "Add stack traces to error reports.")
        boolean debug;
    }

    /** {@code --quiet}, {@code --progress}, {@code --debug}. */
    static final class Output {
        @Option(
                names = {"-q", "--quiet"},
                description = "No progress and no summary on stderr; errors only.")
        boolean quiet;

        @Option(names = "--progress", description = "Draw progress bars on stderr even when it is not a terminal.")
        boolean progress;

        @Option(names = "--debug", description = "Add stack traces to error reports.")
        boolean debug;

        boolean showProgress(Io io) {
            return !quiet && (progress || io.errIsTerminal());
        }
    }

    /** How patiently to fetch. */
    static final class Network {
        /**
         * The default number of retries. With the default backoff (0.5 s doubling, ±50% jitter), an
         * origin that refuses connections fails after 4 attempts in about 4 seconds, at most 5.3.
         */
        static final int DEFAULT_RETRIES = 3;

        static final String CA_CERT_VARIABLE = "CACHET_CA_CERT";
        static final String OFFLINE_VARIABLE = "CACHET_OFFLINE";

        @Option(
                names = "--offline",
                description = "Use only what is cached: a cached artifact is printed as usual; one that is not fails at"
                        + " once (exit 7) without any network request. Default: $" + OFFLINE_VARIABLE
                        + " (1 or 0), else online.")
        boolean offline;

        @Option(
                names = "--retries",
                paramLabel = "N",
                defaultValue = "" + DEFAULT_RETRIES,
                description = "Retries after the first attempt for transient failures (default: ${DEFAULT-VALUE}). "
                        + "404, 403 and other permanent failures are never retried.")
        int retries;

        @Option(
                names = "--lock-timeout",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Give up (exit 6) after waiting this long for another process downloading the same "
                        + "artifact. Default: wait as long as it lives. Its lock is never taken from it.")
        @Nullable
        Duration lockTimeout;

        @Option(
                names = "--ca-cert",
                paramLabel = "FILE",
                description = "Trust the certificates in FILE (PEM or DER: a private CA, or a server's own certificate)"
                        + " for https, besides the system's; repeatable. Default: $" + CA_CERT_VARIABLE
                        + " (files separated by ':'), else none. Host names are checked either way.")
        List<Path> caCerts = new ArrayList<>();

        @Option(
                names = "--connections",
                paramLabel = "N",
                description = "At most N connections per download, each fetching a range of the file, when the"
                        + " server serves ranges: a download starts with one and adds more while they make it"
                        + " faster. 1 turns this off. Default: by size (1 below 32 MiB, then one per 16 MiB, at"
                        + " most 8).")
        @Nullable
        Integer connections;

        @Option(
                names = "--idle-timeout",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "Fail an attempt (then retry) when no byte arrives for this long. Default: 30s.")
        @Nullable
        Duration idleTimeout;

        /** The flag, else the environment variable. */
        boolean offline(Io io) {
            return offline || yes(io, OFFLINE_VARIABLE);
        }

        void check() {
            if (retries < 0) {
                throw new UsageException("--retries must not be negative: " + retries);
            }
            if (idleTimeout != null && idleTimeout.isZero()) {
                throw new UsageException("--idle-timeout must be more than 0");
            }
            if (connections != null && (connections < 1 || connections > io.cachet.Cache.Builder.MAX_CONNECTIONS)) {
                throw new UsageException("--connections must be between 1 and "
                        + io.cachet.Cache.Builder.MAX_CONNECTIONS + ": " + connections);
            }
        }

        /** The certificates of {@code --ca-cert}, else of {@code $CACHET_CA_CERT}; a file that has none is a usage error. */
        List<X509Certificate> trustedCertificates(Io io) {
            if (!caCerts.isEmpty()) {
                return Certificates.read(caCerts, "--ca-cert");
            }
            String variable = io.env().getOrDefault(CA_CERT_VARIABLE, "");
            List<Path> files = new ArrayList<>();
            for (String file : variable.split(":")) {
                if (!file.isBlank()) {
                    files.add(Path.of(file.strip()));
                }
            }
            return Certificates.read(files, CA_CERT_VARIABLE);
        }
    }

    /**
     * {@code --cluster}, {@code --tier}, {@code --tier-endpoint}, {@code --lease-ttl}: sharing
     * downloads with the other hosts of a fleet. Each falls back to its environment variable.
     */
    static final class Fleet {
        static final String CLUSTER_VARIABLE = "CACHET_CLUSTER";
        static final String TIER_VARIABLE = "CACHET_TIER";
        static final String TIER_ENDPOINT_VARIABLE = "CACHET_TIER_ENDPOINT";

        @Option(
                names = "--cluster",
                paramLabel = "redis://HOST:PORT",
                description = "Share downloads with the other hosts of a fleet through this Redis (rediss:// for TLS,"
                        + " redis://:PASSWORD@HOST:PORT): one host downloads an artifact, the others wait for it and"
                        + " read it from the --tier. Needs --tier. Default: $" + CLUSTER_VARIABLE + ".")
        @Nullable
        String cluster;

        @Option(
                names = "--tier",
                paramLabel = "s3://BUCKET/PREFIX",
                description = "The fleet's shared store of verified artifacts: looked in before the origin, given what"
                        + " this host downloads. Credentials and region: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,"
                        + " AWS_REGION (or the AWS SDK's profiles and roles). file:///DIR names a directory every host"
                        + " mounts. Default: $" + TIER_VARIABLE + ".")
        @Nullable
        String tier;

        @Option(
                names = "--tier-endpoint",
                paramLabel = "URL",
                description = "An S3-compatible server for --tier (MinIO, R2, s3proxy...): http(s)://HOST:PORT."
                        + " Default: $" + TIER_ENDPOINT_VARIABLE + ", else AWS.")
        @Nullable
        String tierEndpoint;

        @Option(
                names = "--lease-ttl",
                paramLabel = "DURATION",
                converter = DurationConverter.class,
                description = "How long the others wait for a host that stopped renewing its --cluster lease (killed,"
                        + " cut off) before one of them downloads instead. A live host renews it every third of this."
                        + " Default: 30s.")
        @Nullable
        Duration leaseTtl;

        /**
         * What the options and environment asked for. (Here rather than in {@link FleetClients}, so
         * that reading the options loads no class of the fleet's clients.)
         *
         * @param cluster {@code redis://...}, or null for a tier alone
         * @param tier {@code s3://BUCKET/PREFIX} or {@code file:///DIR}
         * @param endpoint an S3-compatible server, or null for AWS
         * @param leaseTtl null for the default
         */
        record Settings(
                java.net.@Nullable URI cluster,
                java.net.URI tier,
                java.net.@Nullable URI endpoint,
                @Nullable Duration leaseTtl) {}

        /** What was asked for, the options first, then the environment; null for no fleet. */
        @Nullable
        Settings settings(Io io) {
            String clusterUri = or(cluster, io, CLUSTER_VARIABLE);
            String tierUri = or(tier, io, TIER_VARIABLE);
            String endpoint = or(tierEndpoint, io, TIER_ENDPOINT_VARIABLE);
            if (tierUri == null) {
                if (clusterUri != null) {
                    throw new UsageException("--cluster (or $" + CLUSTER_VARIABLE + ") needs --tier (or $"
                            + TIER_VARIABLE + "): the shared store from which the hosts read each other's downloads");
                }
                if (endpoint != null) {
                    throw new UsageException("--tier-endpoint (or $" + TIER_ENDPOINT_VARIABLE + ") needs --tier (or $"
                            + TIER_VARIABLE + ")");
                }
                if (leaseTtl != null) {
                    throw new UsageException("--lease-ttl needs --cluster (or $" + CLUSTER_VARIABLE + ")");
                }
                return null;
            }
            if (leaseTtl != null && (clusterUri == null || leaseTtl.toMillis() < 3)) {
                throw new UsageException(
                        clusterUri == null
                                ? "--lease-ttl needs --cluster (or $" + CLUSTER_VARIABLE + ")"
                                : "--lease-ttl must be at least 3ms");
            }
            return new Settings(
                    clusterUri == null ? null : uri(clusterUri, "--cluster", "redis://HOST:PORT"),
                    uri(tierUri, "--tier", "s3://BUCKET/PREFIX"),
                    endpoint == null ? null : uri(endpoint, "--tier-endpoint", "http(s)://HOST:PORT"),
                    leaseTtl);
        }

        private static @Nullable String or(@Nullable String option, Io io, String variable) {
            if (option != null && !option.isBlank()) {
                return option.strip();
            }
            String value = io.env().get(variable);
            return value == null || value.isBlank() ? null : value.strip();
        }

        private static java.net.URI uri(String text, String option, String form) {
            try {
                return new java.net.URI(text);
            } catch (java.net.URISyntaxException e) {
                throw new UsageException(option + " is not a URI: '" + Text.printable(text, 80) + "'; write " + form);
            }
        }
    }

    /** Picocli converter for DURATION. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Units.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli converter for SIZE and BYTES. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli converter for {@code 'Name: value'}. */
    static final class HeaderConverter implements ITypeConverter<Map.Entry<String, String>> {
        @Override
        public Map.Entry<String, String> convert(String value) {
            try {
                return Headers.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
