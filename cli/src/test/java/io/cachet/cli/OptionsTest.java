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

    @Test
    void theHelpStatesTheDefault() {
        TestIo cli = new TestIo();
        assertThat(cli.run("fetch", "--help")).isZero();
        assertThat(cli.out()).contains("--retries=N", "(default: 3)");
    }
}
