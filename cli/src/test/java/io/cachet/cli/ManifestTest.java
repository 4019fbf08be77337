package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.Sha256;
import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void readsUrlDigestAndKeySkippingBlankLinesAndComments() throws Exception {
        String text = String.join(
                "\n",
                "# models for the nightly job",
                "",
                "https://h/a.bin",
                "   https://h/b.bin   " + SHA.toUpperCase(),
                "https://h/c.bin\t" + SHA + "  c-v1",
                "  # indented comment",
                "https://h/d.bin - d-v2");

        List<Manifest.Line> lines = Manifest.read(new BufferedReader(new StringReader(text)));

        assertThat(lines).extracting(Manifest.Line::number).containsExactly(3, 4, 5, 7);
        assertThat(lines).allSatisfy(line -> assertThat(line.error()).isNull());
        assertThat(lines.get(0).request().sha256()).isNull();
        assertThat(lines.get(0).request().key()).isEqualTo(Key.of(java.net.URI.create("https://h/a.bin")));
        assertThat(lines.get(1).request().sha256()).isEqualTo(new Sha256(SHA));
        assertThat(lines.get(2).request().key()).isEqualTo(Key.of("c-v1"));
        assertThat(lines.get(3).request().sha256()).isNull();
        assertThat(lines.get(3).request().key()).isEqualTo(Key.of("d-v2"));
    }

    @Test
    void aBadLineKeepsItsErrorAndItsNumberSoTheOthersStillRun() {
        Manifest.Line badDigest = Manifest.parse(9, "https://h/a.bin abc");
        Manifest.Line badUrl = Manifest.parse(10, "ftp://h/a.bin");
        Manifest.Line badKey = Manifest.parse(11, "https://h/a.bin - ../etc");
        Manifest.Line tooMany = Manifest.parse(12, "https://h/a.bin " + SHA + " k extra");

        assertThat(List.of(badDigest, badUrl, badKey, tooMany)).allSatisfy(line -> {
            assertThat(line.request()).isNull();
            assertThat(line.error()).isInstanceOf(InvalidRequestException.class);
        });
        assertThat(badDigest.number()).isEqualTo(9);
        assertThat(badDigest.url()).isEqualTo("https://h/a.bin");
        assertThat(((InvalidRequestException) badDigest.error()).field()).isEqualTo("sha256");
        assertThat(((InvalidRequestException) tooMany.error()).problem()).contains("URL [SHA256 [KEY]]");
    }

    @Test
    void blankAndCommentLinesAreNotArtifacts() {
        assertThat(Manifest.parse(1, "")).isNull();
        assertThat(Manifest.parse(1, "   \t")).isNull();
        assertThat(Manifest.parse(1, "#https://h/a.bin")).isNull();
    }
}
