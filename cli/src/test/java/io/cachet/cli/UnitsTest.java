package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({"500ms, 500", "2s, 2000", "5m, 300000", "1h, 3600000", "1.5s, 1500", "0, 0", "' 2S ', 2000", "0s, 0"})
    void parsesDurationsWithTheirUnit(String text, long millis) {
        assertThat(Units.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "2x", "-1s", "", "s", "1.0005s", "2 seconds", "1e3ms"})
    void refusesDurationsItCannotReadSayingHowToWriteThem(String text) {
        assertThatThrownBy(() -> Units.parseDuration(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid duration '" + text + "'");
    }

    @ParameterizedTest
    @CsvSource({
        "1048576, 1048576",
        "64KiB, 65536",
        "10MiB, 10485760",
        "2GiB, 2147483648",
        "1.5GiB, 1610612736",
        "0, 0",
        "10mib, 10485760",
        "512B, 512",
        "1K, 1024",
        "' 3 MiB ', 3145728",
        "1TiB, 1099511627776"
    })
    void parsesSizesInBytesOrPowersOf1024(String text, long bytes) {
        assertThat(Units.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10MB", "1kb", "2GB"})
    void refusesAmbiguousDecimalUnitsRatherThanGuessing(String text) {
        assertThatThrownBy(() -> Units.parseSize(text))
                .hasMessageContaining("ambiguous")
                .hasMessageContaining("iB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "lots", "1.5", "10 furlongs", "99999999999TiB", ""})
    void refusesSizesThatAreNotAWholeNumberOfBytes(String text) {
        assertThatThrownBy(() -> Units.parseSize(text)).hasMessageContaining("invalid size");
    }

    @ParameterizedTest
    @CsvSource({"0, 1048576, 0 B/1.0 MiB", "41943040, 104857600, 40.0/100.0 MiB", "524288, 1572864, 512.0 KiB/1.5 MiB"})
    void formatsProgressWithTheUnitOnceWhenBothSidesShareIt(long done, long total, String text) {
        assertThat(Units.progress(done, total)).isEqualTo(text);
    }

    @ParameterizedTest
    @CsvSource({"850, 850ms", "4200, 4.2s", "42000, 42s", "65000, 1m05s", "7380000, 2h03m"})
    void formatsElapsedTimesRoundedForTheProgressDisplay(long millis, String text) {
        assertThat(Units.elapsed(Duration.ofMillis(millis))).isEqualTo(text);
    }
}
