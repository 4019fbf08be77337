package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.Sha256;
import java.nio.charset.StandardCharsets;
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

        List<Manifest.Line> lines = Manifest.read(text.getBytes(StandardCharsets.UTF_8));

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
    void fieldsInAngleBracketsAfterTheUrlAreMirrorsWhereverTheyStand() {
        Manifest.Line line =
                Manifest.parse(3, "https://h/a.bin " + SHA + " <https://m1/a.bin> a-v1 <file:///srv/mirror/a.bin>");

        assertThat(line.error()).isNull();
        assertThat(line.request().key()).isEqualTo(Key.of("a-v1"));
        assertThat(line.request().mirrors())
                .containsExactly(
                        java.net.URI.create("https://m1/a.bin"), java.net.URI.create("file:///srv/mirror/a.bin"));
    }

    @Test
    void aLineWithMirrorsButNoDigestIsRefusedSayingWhy() {
        Manifest.Line unpinned = Manifest.parse(4, "https://h/a.bin <https://m1/a.bin>");
        Manifest.Line dashed = Manifest.parse(5, "https://h/a.bin - key <https://m1/a.bin>");

        assertThat(List.of(unpinned, dashed)).allSatisfy(line -> {
            assertThat(line.request()).isNull();
            assertThat(((InvalidRequestException) line.error()).problem()).contains("mirrors need the line's SHA256");
        });
    }

    @Test
    void aMirrorFieldThatIsNotAUrlInBracketsIsThatLinesError() {
        Manifest.Line open = Manifest.parse(6, "https://h/a.bin " + SHA + " <https://m1/a.bin");
        Manifest.Line ftp = Manifest.parse(7, "https://h/a.bin " + SHA + " <ftp://m1/a.bin>");
        Manifest.Line empty = Manifest.parse(8, "https://h/a.bin " + SHA + " <>");

        assertThat(List.of(open, ftp, empty)).allSatisfy(line -> {
            assertThat(line.request()).isNull();
            assertThat(((InvalidRequestException) line.error()).field()).isEqualTo("mirror");
        });
        assertThat(((InvalidRequestException) open.error()).problem()).contains("<URL>");
    }

    @Test
    void blankAndCommentLinesAreNotArtifacts() {
        assertThat(Manifest.parse(1, "")).isNull();
        assertThat(Manifest.parse(1, "   \t")).isNull();
        assertThat(Manifest.parse(1, "#https://h/a.bin")).isNull();
    }

    @Test
    void aByteOrderMarkAtTheStartIsSkippedAndEveryLineEndingIsALineEnd() {
        byte[] text = ("\uFEFFhttps://h/a.bin\r\nhttps://h/b.bin\rhttps://h/c.bin\n\nhttps://h/d.bin")
                .getBytes(StandardCharsets.UTF_8);

        List<Manifest.Line> lines = Manifest.read(text);

        assertThat(lines).extracting(Manifest.Line::number).containsExactly(1, 2, 3, 5);
        assertThat(lines)
                .extracting(Manifest.Line::url)
                .containsExactly("https://h/a.bin", "https://h/b.bin", "https://h/c.bin", "https://h/d.bin");
        assertThat(lines).allSatisfy(line -> assertThat(line.error()).isNull());
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedNamingTheLineTheByteAndTheTextBeforeIt() {
        byte[] latin1 = "https://h/a.bin\nhttps://h/caf\u00e9.bin\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] truncated = {'h', 't', 't', 'p', (byte) 0xE2, (byte) 0x82};

        assertThatThrownBy(() -> Manifest.read(latin1))
                .isInstanceOf(UsageException.class)
                .hasMessage("manifest line 2 is not valid UTF-8: 0xE9 at byte 14 of the line, after \"https://h/caf\";"
                        + " save the manifest as UTF-8 (this looks like another encoding, such as Latin-1)");
        assertThatThrownBy(() -> Manifest.read(truncated))
                .isInstanceOf(UsageException.class)
                .hasMessageStartingWith("manifest line 1 is not valid UTF-8: 0xE2 0x82 at byte 5 of the line");
    }

    @Test
    void aUtf16ManifestIsToldToBeSavedAsUtf8() {
        byte[] utf16 = "https://h/a.bin\n".getBytes(StandardCharsets.UTF_16);

        assertThatThrownBy(() -> Manifest.read(utf16))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("line 1", "looks like UTF-16");
    }
}
