package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {

    /**
     * The contract: with the default --retries, an origin that refuses connections ends in exit 4
     * within 30 seconds. A refused connection fails at once, so the time is the backoff between
     * attempts, at its longest when every jitter goes up.
     */
    @Test
    void theDefaultRetriesGiveUpOnARefusingOriginWellWithin30Seconds() {
        RetryPolicy policy = RetryPolicy.defaults().withMaxRetries(Options.Network.DEFAULT_RETRIES);
        Duration worst = Duration.ZERO;
        for (int retry = 1; retry <= policy.maxRetries(); retry++) {
            Duration computed = policy.firstBackoff().multipliedBy(1L << (retry - 1));
            Duration capped = computed.compareTo(policy.maxBackoff()) > 0 ? policy.maxBackoff() : computed;
            worst = worst.plus(Duration.ofMillis((long) (capped.toMillis() * (1 + policy.jitter()))));
        }

        assertThat(Options.Network.DEFAULT_RETRIES).isEqualTo(3);
        assertThat(worst).isEqualTo(Duration.ofMillis(5250)).isLessThan(Duration.ofSeconds(30));
    }

    // ---- the fleet's options ----

    @Test
    void aClusterWithoutATierIsAUsageErrorSayingWhatIsMissing() {
        TestIo cli = new TestIo();
        assertThat(cli.run("fetch", "https://example.test/m", "--cluster", "redis://127.0.0.1:6379"))
                .isEqualTo(2);
        assertThat(cli.err()).contains("--cluster (or $CACHET_CLUSTER) needs --tier (or $CACHET_TIER)");

        TestIo fromEnvironment = new TestIo().env("CACHET_CLUSTER", "redis://127.0.0.1:6379");
        assertThat(fromEnvironment.run("fetch-all", "-")).isEqualTo(2);
        assertThat(fromEnvironment.err()).contains("needs --tier");
    }

    @Test
    void fleetUrisThatCannotBeUsedAreUsageErrorsSayingHowToWriteThem() {
        TestIo redis = new TestIo();
        assertThat(redis.run(
                        "fetch",
                        "https://example.test/m",
                        "--tier",
                        "s3://bucket/p",
                        "--cluster",
                        "http://127.0.0.1:6379"))
                .isEqualTo(2);
        assertThat(redis.err()).contains("--cluster: not a Redis URI", "write redis://");

        TestIo s3 = new TestIo();
        assertThat(s3.run("fetch", "https://example.test/m", "--tier", "http://bucket/p"))
                .isEqualTo(2);
        assertThat(s3.err()).contains("--tier: not an S3 location", "write s3://BUCKET/PREFIX");

        TestIo endpoint = new TestIo();
        assertThat(endpoint.run("fetch", "https://example.test/m", "--tier-endpoint", "http://127.0.0.1:9000"))
                .isEqualTo(2);
        assertThat(endpoint.err()).contains("--tier-endpoint (or $CACHET_TIER_ENDPOINT) needs --tier");

        TestIo ttl = new TestIo();
        assertThat(ttl.run("fetch", "https://example.test/m", "--tier", "s3://bucket/p", "--lease-ttl", "5s"))
                .isEqualTo(2);
        assertThat(ttl.err()).contains("--lease-ttl needs --cluster");
    }

    @Test
    void theHelpStatesTheDefault() {
        TestIo cli = new TestIo();
        assertThat(cli.run("fetch", "--help")).isZero();
        assertThat(cli.out()).contains("--retries=N", "(default: 3)");
    }
}
