package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.StorageException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MessagesTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "https://h/m.bin?X-Amz-Signature=abc&token=t | https://h/m.bin?...",
                "https://alice:pw@h:8443/m.bin#part          | https://h:8443/m.bin",
                "http://h/a b?token=t                        | \"http://h/a b?...\"",
                "http://bob:pw@h/a b                         | \"http://h/a b\"",
                "htp:/nowhere?token=t                        | htp:/nowhere?...",
                "relative/path                               | \"relative/path\""
            })
    void aUrlAsTheSubjectOfAMessageHasNoQueryUserInfoOrFragment(String typed, String shown) {
        assertThat(Messages.url(typed)).isEqualTo(shown);
    }

    @Test
    void everyUrlInALineIsRedactedAndControlCharactersAreEscaped() {
        assertThat(Messages.line("from https://u:p@h/x?sig=s3cr3t via socks5://user:pw@proxy:1080 failed\n"))
                .isEqualTo("from https://h/x?... via socks5://proxy:1080 failed\\u000a");
    }

    @Test
    void aWordLongerThanAMessageCanHoldIsClipped() {
        String line = Messages.line("invalid key \"" + "k".repeat(5_000_000) + "\": too long");

        assertThat(line).hasSizeLessThan(Messages.MAX_WORD + 40).endsWith("... too long");
    }

    @Test
    void theStorageAdviceForASharedCacheNamesTheCliOptionAndVariable() {
        StorageException e = StorageException.of(
                Path.of("/c/locks/1.lock"), "open the lock file", new AccessDeniedException("/c/locks/1.lock"));

        assertThat(Messages.line(e.getMessage()))
                .contains(
                        "must be opened with --shared-with-group (or CACHET_SHARED_WITH_GROUP=1) by every one of them")
                .doesNotContain("sharedWithGroup");
    }

    @Test
    void aUriKeyWithUserInfoIsToldToLeaveTheKeyOut() {
        InvalidRequestException e = catchInvalid(() -> Key.of("https://user@h/x"));

        assertThat(Messages.line(e.getMessage())).contains("leave the key out").doesNotContain("Key.of");
    }

    @Test
    void theTlsAndPoolAdviceOfTheHttpOriginIsSaidInCliTerms() {
        assertThat(Messages.line(
                        "if it comes from a private CA, add that CA with NettyOrigin.Builder.trustedCertificates"))
                .isEqualTo(
                        "if it comes from a private CA, add that CA with --ca-cert FILE (or the variable CACHET_CA_CERT=FILE)");
        assertThat(Messages.line("(pending); give the HttpClient's ConnectionProvider more connections or a longer"
                        + " pending queue"))
                .isEqualTo("(pending); run fewer fetches at a time (fetch-all --concurrency N)");
    }

    private static InvalidRequestException catchInvalid(Runnable r) {
        try {
            r.run();
        } catch (InvalidRequestException e) {
            return e;
        }
        throw new AssertionError("no InvalidRequestException");
    }
}
