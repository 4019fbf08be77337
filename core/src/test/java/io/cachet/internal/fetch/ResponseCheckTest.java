package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.IntegrityException;
import io.cachet.Key;
import io.cachet.StorageException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a response's headers allow before any body byte is written. */
class ResponseCheckTest {
    private final Failures failures = new Failures(Key.of("k"), "https://o/k", null, Duration.ofSeconds(30));

    @Test
    void theLimitIsTheExpectedSizeElseTheDeclaredLengthElseTheConfiguredMaximum() {
        assertThat(ResponseCheck.limit(100, 200, 1000)).isEqualTo(100);
        assertThat(ResponseCheck.limit(-1, 200, 1000)).isEqualTo(200);
        assertThat(ResponseCheck.limit(-1, -1, 1000)).isEqualTo(1000);
    }

    @Test
    void aDeclaredLengthThatCannotBeTheArtifactIsRefusedBeforeAnyByte() {
        assertThatThrownBy(() -> ResponseCheck.checkLength(100, 200, Long.MAX_VALUE, failures))
                .isInstanceOfSatisfying(
                        IntegrityException.class,
                        e -> assertThat(e.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE));
        assertThatThrownBy(() -> ResponseCheck.checkLength(100, 50, Long.MAX_VALUE, failures))
                .isInstanceOfSatisfying(
                        IntegrityException.class,
                        e -> assertThat(e.kind()).isEqualTo(IntegrityException.Kind.SIZE_MISMATCH));
        assertThatThrownBy(() -> ResponseCheck.checkLength(-1, 5000, 1000, failures))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("5000");
        ResponseCheck.checkLength(100, 100, Long.MAX_VALUE, failures);
        ResponseCheck.checkLength(-1, -1, 1000, failures);
    }

    @Test
    void aDownloadThatCannotFitIsRefusedNamingWhatItNeedsAndWhatIsFree() {
        assertThatThrownBy(() -> ResponseCheck.checkSpace(1000, 100, 899, Path.of("/c/tmp")))
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
                    assertThat(e).hasMessageContaining("900 more bytes").hasMessageContaining("899 bytes are free");
                });
        ResponseCheck.checkSpace(1000, 100, 900, Path.of("/c/tmp"));
        ResponseCheck.checkSpace(Long.MAX_VALUE, 0, 0, Path.of("/c/tmp")); // Unknown size: nothing to check.
    }
}
