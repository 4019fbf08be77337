package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.IntegrityException;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.Sha256;
import io.cachet.StorageException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

class ExitCodesTest {
    static final Sha256 EXPECTED = new Sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    static final Sha256 ACTUAL = new Sha256("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");

    static IntegrityException integrity() {
        return new IntegrityException(
                IntegrityException.Kind.DIGEST_MISMATCH, Key.of("m"), "https://h/m.bin", EXPECTED, ACTUAL, 100, 100);
    }

    static OriginException notFound() {
        return new OriginException("https://h/m.bin", 404, 1, false, null, "HTTP 404", null);
    }

    static StorageException readOnly() {
        return new StorageException(
                Path.of("/c/tmp"), "write", StorageException.Reason.READ_ONLY, "read-only file system", null);
    }

    static LockTimeoutException lockTimeout() {
        return new LockTimeoutException(
                Key.of("m"), Path.of("/c/locks/x.lock"), Duration.ofSeconds(2), 4242, 1024, 4096);
    }

    @Test
    void eachFailureHasItsDocumentedCode() {
        assertThat(ExitCodes.of(new InvalidRequestException("key", "\"a/b\"", "no slashes")))
                .isEqualTo(2);
        assertThat(ExitCodes.of(new UsageException("--retries must not be negative")))
                .isEqualTo(2);
        assertThat(ExitCodes.of(integrity())).isEqualTo(3);
        assertThat(ExitCodes.of(notFound())).isEqualTo(4);
        assertThat(ExitCodes.of(readOnly())).isEqualTo(5);
        assertThat(ExitCodes.of(lockTimeout())).isEqualTo(6);
        assertThat(ExitCodes.of(new OfflineException(Key.of("m"), "https://h/m.bin")))
                .isEqualTo(7);
        assertThat(ExitCodes.of(new IllegalStateException("a bug"))).isEqualTo(1);
    }

    @Test
    void failuresWrappedByReactorKeepTheirCode() {
        assertThat(ExitCodes.of(Exceptions.propagate(integrity()))).isEqualTo(3);
    }

    @Test
    void theMostSevereOfSeveralCodesIsTheHighest() {
        assertThat(ExitCodes.mostSevere(0, 0)).isZero();
        assertThat(ExitCodes.mostSevere(0, 4)).isEqualTo(4);
        assertThat(ExitCodes.mostSevere(6, 3)).isEqualTo(6);
        assertThat(ExitCodes.mostSevere(2, 5)).isEqualTo(5);
    }
}
