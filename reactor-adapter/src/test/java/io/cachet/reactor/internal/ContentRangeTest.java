package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentRangeTest {

    // ---- what parses ----

    @Test
    void parsesARangeWithItsTotal() {
        ContentRange range = ContentRange.parse("bytes 100-199/1000");

        assertThat(range).isEqualTo(new ContentRange(100, 199, 1000));
        assertThat(range.length()).isEqualTo(100);
        assertThat(range.unsatisfied()).isFalse();
    }

    @Test
    void parsesAnUnknownTotalAsMinusOne() {
        assertThat(ContentRange.parse("bytes 0-9/*")).isEqualTo(new ContentRange(0, 9, -1));
    }

    @Test
    void parsesTheUnsatisfiedFormOfA416() {
        ContentRange range = ContentRange.parse("bytes */4096");

        assertThat(range.unsatisfied()).isTrue();
        assertThat(range.total()).isEqualTo(4096);
        assertThat(range.length()).isZero();
    }

    @Test
    void acceptsTheUnitInAnyCaseAndSurroundingSpaces() {
        assertThat(ContentRange.parse("  BYTES 5-5/6 ")).isEqualTo(new ContentRange(5, 5, 6));
    }

    @Test
    void acceptsTheLargestLengthThatFitsInALong() {
        long max = Long.MAX_VALUE;
        assertThat(ContentRange.parse("bytes 0-" + (max - 1) + "/" + max).total())
                .isEqualTo(max);
    }

    @Test
    void printsBackWhatItParsed() {
        assertThat(ContentRange.parse("bytes 1-2/3")).hasToString("bytes 1-2/3");
        assertThat(ContentRange.parse("bytes */3")).hasToString("bytes */3");
    }

    // ---- what is rejected rather than guessed ----

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "bytes",
                "items 0-1/2",
                "bytes 0-1",
                "bytes 0-1/2/3",
                "bytes -1-5/10",
                "bytes 0--5/10",
                "bytes +1-5/10",
                "bytes 1 -5/10",
                "bytes 5-4/10",
                "bytes 0-10/10",
                "bytes */*",
                "bytes 0-1/-2",
                "bytes 0x1-2/3",
                "bytes 1-2/3, 4-5/6",
                "bytes 0-99999999999999999999/99999999999999999999",
                "bytes 0-9223372036854775808/9223372036854775809",
                "bytes 0-1/00000000000000000002000"
            })
    void rejectsMalformedOverflowingNegativeAndInconsistentRanges(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> ContentRange.parse(value));
    }

    @Test
    void saysWhyARangeIsInconsistent() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ContentRange.parse("bytes 0-10/10"))
                .withMessage("the last byte 10 is not below the length 10");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ContentRange.parse("bytes 0-99999999999999999999/100"))
                .withMessageContaining("at most 19 digits");
    }
}
