package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the real {@code cachet} jar says on stderr when a line of CI log is all a reader gets: no
 * query string or user info of any URL, no megabyte of someone's text, and manifests that a text
 * editor saved with a byte-order mark or in another encoding.
 */
@Timeout(120)
class MessagesIT {
    static final byte[] BODY = Bytes.random(64 * 1024, 31);
    static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    private CachetProcess cachet(String... args) throws Exception {
        return CachetProcess.run(
                tmp, CliIT.with(args, "--cache-dir", tmp.resolve("cache").toString()));
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    // ---- query strings and user info ------------------------------------------------------------

    @Test
    void theFirstErrorLineShowsAQueryAsDotsAndNeverTheSecretsInIt() throws Exception {
        server.enqueue(Response.status(404));
        String signed = url("/model.bin") + "?X-Amz-Signature=s3cr3t&token=t0k3n";

        CachetProcess p = cachet("fetch", signed);

        assertThat(p.code()).as(p.toString()).isEqualTo(4);
        assertThat(p.err().lines().findFirst().orElseThrow())
                .isEqualTo(
                        "cachet: cannot fetch " + url("/model.bin") + "?...: the origin failed (HTTP 404 Not Found)");
        assertThat(p.err()).doesNotContain("s3cr3t", "t0k3n");
    }

    @Test
    void userInfoAndQueryStayOutOfMessagesAboutUrlsThatAreNotEvenValid() throws Exception {
        CachetProcess unparsable = cachet("fetch", "http://alice:pa55w0rd@host/a b?token=s3cr3t");
        CachetProcess unsupported = cachet("fetch", "htp:/nowhere?token=s3cr3t");

        for (CachetProcess p : List.of(unparsable, unsupported)) {
            assertThat(p.code()).as(p.toString()).isEqualTo(2);
            assertThat(p.err()).as(p.toString()).startsWith("cachet: cannot fetch ");
            assertThat(p.err()).as(p.toString()).doesNotContain("s3cr3t", "pa55w0rd", "alice");
        }
        assertThat(unparsable.err()).startsWith("cachet: cannot fetch \"http://host/a b?...\"");
    }

    @Test
    void fetchAllNamesTheFailedLineWithoutItsQuery() throws Exception {
        server.enqueue(Response.status(403));
        Path manifest = Files.writeString(tmp.resolve("manifest.txt"), url("/private.bin") + "?sig=s3cr3t&user=bob\n");

        CachetProcess p = cachet("fetch-all", manifest.toString());

        assertThat(p.code()).as(p.toString()).isEqualTo(4);
        assertThat(p.err()).startsWith("cachet: line 1: cannot fetch " + url("/private.bin") + "?...: ");
        assertThat(p.err()).doesNotContain("s3cr3t", "bob");
    }

    // ---- nothing echoed whole -------------------------------------------------------------------

    @Test
    void aTenMegabyteUrlInAManifestIsClippedInEveryMessageAndInTheJsonLine() throws Exception {
        String huge = url("/") + "a".repeat(10 * 1024 * 1024);
        Path manifest = Files.writeString(tmp.resolve("manifest.txt"), huge + "\n");

        CachetProcess p = cachet("fetch-all", manifest.toString(), "--json");

        assertThat(p.code()).as("exit").isEqualTo(2);
        assertThat(p.err().length()).as("stderr length").isLessThan(2_000);
        assertThat(p.err()).startsWith("cachet: line 1: cannot fetch " + url("/aaa"));
        assertThat(p.out().length()).as("stdout length").isLessThan(2_000);
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void aLongUrlOnTheCommandLineIsClippedToo() throws Exception {
        String longUrl = url("/") + "b".repeat(100_000);

        CachetProcess p = cachet("fetch", longUrl);

        assertThat(p.code()).as("exit").isEqualTo(2);
        assertThat(p.err().length())
                .as("stderr length: %s", p.err().substring(0, 300))
                .isLessThan(2_000);
        assertThat(p.err()).startsWith("cachet: cannot fetch " + url("/bbb")).contains("...");
    }

    // ---- manifests from editors -----------------------------------------------------------------

    @Test
    void aManifestSavedWithAByteOrderMarkIsReadAsIfItHadNone() throws Exception {
        server.serve("/model.bin", BODY);
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        manifest.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        manifest.write((url("/model.bin") + " " + SHA.hex() + "\r\n").getBytes(StandardCharsets.UTF_8));
        Path file = Files.write(tmp.resolve("manifest.txt"), manifest.toByteArray());

        CachetProcess p = cachet("fetch-all", file.toString());

        assertThat(p.code()).as(p.toString()).isZero();
        assertThat(Files.readAllBytes(Path.of(p.out().strip()))).isEqualTo(BODY);
    }

    @Test
    void aManifestThatIsNotUtf8IsRefusedNamingTheLineBeforeAnyDownload() throws Exception {
        server.serve("/model.bin", BODY);
        ByteArrayOutputStream manifest = new ByteArrayOutputStream();
        manifest.write((url("/model.bin") + "\n# models\n").getBytes(StandardCharsets.UTF_8));
        manifest.write((url("/caf") + "\u00e9.bin\n").getBytes(StandardCharsets.ISO_8859_1));
        Path file = Files.write(tmp.resolve("manifest.txt"), manifest.toByteArray());

        CachetProcess p = cachet("fetch-all", file.toString());

        assertThat(p.code()).as(p.toString()).isEqualTo(2);
        assertThat(p.out()).isEmpty();
        assertThat(p.err())
                .startsWith("cachet: cannot run fetch-all: manifest line 3 is not valid UTF-8")
                .contains("0xE9", "save the manifest as UTF-8");
        assertThat(server.requestCount()).as("nothing was downloaded").isZero();
    }

    // ---- the home directory ---------------------------------------------------------------------

    @Test
    void theDefaultCacheIsUnderHomeEvenWhenTheJvmThinksTheHomeIsElsewhere() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path jvmHome = Files.createDirectories(tmp.resolve("jvm-home"));
        Path file = Files.write(tmp.resolve("artifact.bin"), BODY);

        CachetProcess p = CachetProcess.start(
                tmp,
                Map.of("HOME", home.toString()),
                CachetProcess.command(
                        List.of("-Duser.home=" + jvmHome), "fetch", file.toUri().toString(), "--sha256", SHA.hex()));

        assertThat(p.await()).as(p.toString()).isZero();
        assertThat(Path.of(p.out().strip())).startsWith(home.toRealPath().resolve(".cache/cachet"));
        assertThat(jvmHome).isEmptyDirectory();
    }
}
