package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.testing.CacheFixture;
import io.cachet.testing.Failures;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a clear error before any I/O (docs/reliability.md S1, S18). */
class RequestValidationTest {
    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    // ---- keys -------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a/b",
                "..\\evil",
                "../../etc/passwd",
                "..",
                "x..y",
                "with space",
                "tab\tkey",
                "nul\0key",
                "new\nline",
                ""
            })
    void keysWithSeparatorsDotDotControlCharactersOrNothingAreRefused(String key) {
        assertThatThrownBy(() -> FetchRequest.of("https://origin.test/a").withKey(key))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.field()).isEqualTo("key");
                    assertThat(e.getMessage())
                            .startsWith("invalid key")
                            .doesNotContain("\n")
                            .doesNotContain("\0");
                    assertThat(e.isTransient()).isFalse();
                });
    }

    @Test
    void aKeyOverTwoHundredCharactersIsRefusedSayingTheLimit() {
        assertThatThrownBy(() -> Key.of("k".repeat(201)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("at most 200 characters, this one has 201");
        assertThat(Key.of("k".repeat(200)).value()).hasSize(200);
    }

    @Test
    void aSlashInAKeySuggestsHowToWriteItInstead() {
        assertThatThrownBy(() -> Key.of("org/model"))
                .hasMessageContaining("must not contain '/'")
                .hasMessageContaining("\"org.model-v1\"");
    }

    @Test
    void keysDerivedFromUrisDropCredentialsAndFragments() {
        Key key = Key.of(URI.create("https://user:secret@origin.test/m.bin?v=2#frag"));
        assertThat(key.value()).isEqualTo("https://origin.test/m.bin?v=2");
        assertThat(key.isUri()).isTrue();
    }

    // ---- digests and sizes ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "abc",
                "zz86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0",
                "../../../etc/passwd",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08aa"
            })
    void malformedDigestsAreRefusedWithHowToWriteOne(String digest) {
        assertThatThrownBy(() -> Sha256.parse(digest))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("sha256"))
                .hasMessageContaining("exactly 64 hex characters")
                .hasMessageContaining("sha256sum");
    }

    @Test
    void upperCaseDigestsAreAcceptedAndNormalised() {
        assertThat(Sha256.parse(" 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\n")
                        .hex())
                .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    }

    @Test
    void aNegativeSizeIsRefused() {
        assertThatThrownBy(() -> FetchRequest.of("https://origin.test/a").withSize(-5))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("must not be negative");
    }

    // ---- URIs and headers -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ftp://origin.test/a",
                "jar:file:/x.jar!/y",
                "relative/path",
                "https:///nohost",
                "not a uri",
                "mailto:a@b"
            })
    void unsupportedOrMalformedUrisAreRefused(String uri) {
        assertThatThrownBy(() -> FetchRequest.of(uri))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("uri"));
    }

    @Test
    void credentialsInAUriNeverAppearInErrors() {
        assertThatThrownBy(() -> FetchRequest.of("gopher://user:hunter2@origin.test/a?token=s3cret"))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e ->
                        assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("s3cret"));
    }

    @Test
    void headerValuesWithLineBreaksAndHeadersCachetOwnsAreRefused() {
        FetchRequest request = FetchRequest.of("https://origin.test/a");
        assertThatThrownBy(() -> request.withHeader("X-Token", "a\r\nInjected: yes"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("CR, LF or NUL");
        assertThatThrownBy(() -> request.withHeader("Range", "bytes=0-"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Cachet sets this header itself");
        assertThatThrownBy(() -> request.withHeader("Bad Name", "x")).isInstanceOf(InvalidRequestException.class);
        assertThat(request.withHeader("Authorization", "Bearer x").headers())
                .containsEntry("authorization", "Bearer x");
    }

    @Test
    void everyHeaderTheHttpOriginWouldRefuseIsRefusedHereBeforeAnyRequest() {
        // One rule for both: a header that passed here used to fail later as a permanent origin failure.
        FetchRequest request = FetchRequest.of("https://origin.test/a");
        for (String name : List.of("Keep-Alive", "Proxy-Connection", "Expect", "Connection", "TE")) {
            assertThatThrownBy(() -> request.withHeader(name, "x"))
                    .as(name)
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("Cachet sets this header itself");
        }
        assertThatThrownBy(() -> request.withHeader("X-Token", "a\u0001b"))
                .as("any control character, not only CR, LF and NUL")
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("control characters");
        assertThat(request.withHeader("X-Token", "a\tb").headers()).containsEntry("X-Token", "a\tb");
    }

    @Test
    void credentialsAreNotPartOfTheRequestsPrintedForm() {
        assertThat(FetchRequest.of("https://origin.test/a?sig=abc")
                        .withHeader("Authorization", "Bearer secret")
                        .toString())
                .doesNotContain("secret")
                .doesNotContain("sig=abc")
                .contains("headers=[Authorization]");
    }

    // ---- before any I/O ---------------------------------------------------------------------------

    @Test
    void aFileUriIsRefusedUnlessTheFileOriginWasAddedAndNothingIsTouched() throws Exception {
        Cache cache = fixture.open();
        java.nio.file.Path secret = Files.writeString(fixture.root().resolveSibling("secret.txt"), "secret");

        InvalidRequestException error = Failures.failure(
                cache.fetch(FetchRequest.of(secret.toUri())).toFuture(), InvalidRequestException.class);

        assertThat(error).hasMessageContaining("add Origin.files()");
        assertThat(fixture.origin.opens()).isZero();
        try (var locks = Files.list(fixture.root().resolve("locks"))) {
            assertThat(locks).as("no lock file created for a refused request").isEmpty();
        }
    }
}
