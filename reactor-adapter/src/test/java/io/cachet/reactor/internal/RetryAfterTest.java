package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
    /** Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110. */
    private static final Instant NOW = Instant.parse("1994-11-06T08:49:37Z");

    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void readsDelaySeconds() {
        assertThat(RetryAfter.parse("120", CLOCK)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", CLOCK)).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsAnImfFixdateAgainstTheClock() {
        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", CLOCK)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readsTheObsoleteRfc850DateWithATwoDigitYear() {
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:47 GMT", CLOCK)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsTheAsctimeDate() {
        assertThat(RetryAfter.parse("Sun Nov  6 08:51:37 1994", CLOCK)).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aDateInThePastMeansNow() {
        assertThat(RetryAfter.parse("Sat, 05 Nov 1994 08:49:37 GMT", CLOCK)).isEqualTo(Duration.ZERO);
    }

    @Test
    void capsAbsurdDelaysInsteadOfOverflowing() {
        assertThat(RetryAfter.parse("99999999999999999999999", CLOCK)).isEqualTo(RetryAfter.MAX);
        assertThat(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", CLOCK)).isEqualTo(RetryAfter.MAX);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "-5", "1.5", "soon", "Sun, 06 Nov 1994", "120s", "0x10"})
    void ignoresWhatItCannotRead(String value) {
        assertThat(RetryAfter.parse(value, CLOCK)).isNull();
    }

    @Test
    void ignoresAMissingHeader() {
        assertThat(RetryAfter.parse(null, CLOCK)).isNull();
    }
}
