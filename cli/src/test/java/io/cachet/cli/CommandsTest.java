package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command run in this JVM, as {@code Main.run} with captured streams, against a loopback server. */
@Timeout(60)
class CommandsTest {
    static final byte[] A = Bytes.random(300_000, 1);
    static final byte[] B = Bytes.random(200_000, 2);
    static final Sha256 SHA_A = Bytes.sha256(A);
    static final Sha256 SHA_B = Bytes.sha256(B);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    private TestIo cli() {
        return TestIo.forCacheIn(tmp);
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fetch", "fetch-all", "ls", "verify", "gc", "rm", "demo"})
    void everyCommandHasHelpOnStdout(String command) {
        TestIo cli = cli();

        assertThat(cli.run(command, "--help")).isZero();

        assertThat(cli.out()).startsWith("Usage: cachet " + command);
        assertThat(cli.err()).isEmpty();
    }

    @Test
    void theToolHasHelpAndAVersion() {
        TestIo cli = cli();
        assertThat(cli.run("--help")).isZero();
        assertThat(cli.out())
                .startsWith("Usage: cachet")
                .contains("Exit codes:", "fetch-all", "demo")
                .doesNotContain("train");
        cli.reset();
        assertThat(cli.run("--version")).isZero();
        assertThat(cli.out()).startsWith("cachet ");
    }

    @Test
    void withoutACommandItPrintsTheUsageOnStderrAndExits2() {
        TestIo cli = cli();
        assertThat(cli.run()).isEqualTo(2);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).startsWith("Usage: cachet");
    }

    @Test
    void aMirrorWithoutADigestIsAUsageErrorBeforeAnyRequest() {
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a"), "--mirror", url("/mirror/a"))).isEqualTo(2);

        assertThat(cli.err()).contains("--mirror needs --sha256");
        assertThat(cli.out()).isEmpty();
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void aMirrorThatIsNotAUrlIsAnInvalidRequestBeforeAnyRequest() {
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a"), "--sha256", SHA_A.hex(), "--mirror", "ftp://mirror/a"))
                .isEqualTo(2);

        assertThat(cli.err()).contains("mirror").contains("ftp");
        assertThat(server.requestCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65", "-1"})
    void connectionsOutOfRangeAreAUsageError(String connections) {
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a"), "--connections", connections)).isEqualTo(2);

        assertThat(cli.err()).contains("--connections must be between 1 and 64");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void aMirrorIsUsedWhenTheUrlFailsAndJsonSaysWhereTheBytesCameFrom() {
        server.enqueue(Response.status(404));
        server.serve("/mirror/a", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a"), "--sha256", SHA_A.hex(), "--mirror", url("/mirror/a"), "--json"))
                .isZero();

        Map<String, Object> result = MiniJson.parse(cli.out());
        assertThat(result).containsEntry("source", "download").containsEntry("connections", 1L);
        assertThat(result.get("sources")).isEqualTo(List.of(url("/mirror/a")));
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void aMistypedCommandIsAUsageErrorThatSuggestsTheCommandMeant() {
        TestIo cli = cli();
        assertThat(cli.run("fetch-al", "manifest.txt")).isEqualTo(2);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).contains("'fetch-al'").contains("fetch-all");
    }

    @Test
    void aMistypedOptionIsAUsageErrorWithASuggestion() {
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a"), "--sha265=" + SHA_A.hex())).isEqualTo(2);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).startsWith("cachet: Unknown option: '--sha265=").contains("Possible solutions: --sha256");
    }

    @Test
    void fetchPrintsOnlyTheAbsolutePathOfTheVerifiedFile() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "--size", "300000"))
                .isZero();

        List<String> lines = cli.out().lines().toList();
        assertThat(lines).hasSize(1);
        Path path = Path.of(lines.get(0));
        assertThat(path).isAbsolute().startsWith(tmp.resolve("cache").toRealPath());
        assertThat(Files.readAllBytes(path)).isEqualTo(A);
        assertThat(cli.err()).isEmpty();
        assertThat(CacheAudit.problems(tmp.resolve("cache"), false)).isEmpty();
    }

    @Test
    void fetchJsonSaysHowTheArtifactCameAndASecondFetchIsAHit() {
        server.serve("/a.bin", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--json", "--key", "model-a"))
                .isZero();
        Map<String, Object> first = MiniJson.parse(cli.out());
        cli.reset();
        assertThat(cli.run("fetch", url("/a.bin"), "--json", "--key", "model-a", "--sha256", SHA_A.hex()))
                .isZero();
        Map<String, Object> second = MiniJson.parse(cli.out());

        assertThat(first)
                .containsEntry("key", "model-a")
                .containsEntry("url", url("/a.bin"))
                .containsEntry("sha256", SHA_A.hex())
                .containsEntry("size", (long) A.length)
                .containsEntry("source", "download");
        assertThat(second).containsEntry("source", "hit").containsEntry("path", first.get("path"));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void headersAreSentToTheOrigin() {
        server.serve("/a.bin", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--header", "Authorization: Bearer t0ken", "--header", "X-Trace:1"))
                .isZero();

        var request = server.takeRequest();
        assertThat(request.header("Authorization")).isEqualTo("Bearer t0ken");
        assertThat(request.header("X-Trace")).isEqualTo("1");
    }

    @Test
    void aDigestMismatchExits3WithBothDigestsInFullAndNothingOnStdout() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_B.hex())).isEqualTo(3);

        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).contains("expected sha256:  " + SHA_B.hex(), "actual sha256:    " + SHA_A.hex());
        assertThat(CacheAudit.problems(tmp.resolve("cache"), false)).isEmpty();
        assertThat(tmp.resolve("cache/blobs/sha256")).isEmptyDirectory();
    }

    @Test
    void a404Exits4AfterOneRequest() {
        server.enqueue(Response.status(404));
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/gone.bin"))).isEqualTo(4);

        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).contains("HTTP 404", "status:           404", "attempts:         1");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "--key=../x",
                "--sha256=abc",
                "--header=Host: evil",
                "--size=10MB",
                "--retries=-1",
                "--lock-timeout=soon"
            })
    void anInvalidRequestExits2WithoutAskingTheOrigin(String option) {
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"), option)).isEqualTo(2);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).startsWith("cachet: ");
        assertThat(server.requestCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "ftp://host/file", "relative/path", "https:///nohost"})
    void aBadUrlExits2(String url) {
        TestIo cli = cli();
        assertThat(cli.run("fetch", url)).isEqualTo(2);
        assertThat(cli.out()).isEmpty();
        assertThat(cli.err()).startsWith("cachet: cannot fetch ");
    }

    @Test
    void fileUrlsWorkForMirrorsOnDisk() throws IOException {
        Path file = Files.write(tmp.resolve("mirror.bin"), B);
        TestIo cli = cli();
        assertThat(cli.run("fetch", file.toUri().toString(), "--sha256", SHA_B.hex()))
                .isZero();
        assertThat(Files.readAllBytes(Path.of(cli.out().strip()))).isEqualTo(B);
    }

    @Test
    void fetchAllPrintsResultsInManifestOrderAndExitsWithTheHighestCode() throws IOException {
        server.serve("/a.bin", A).serve("/b.bin", B);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/b.bin"))).isZero(); // so that the manifest's first request is /missing.bin
        cli.reset();
        server.enqueue(Response.status(404)); // the next request, whatever its path
        Path manifest = Files.writeString(
                tmp.resolve("manifest.txt"),
                String.join(
                        "\n",
                        "# two good lines, one bad digest, one 404",
                        url("/b.bin") + " " + SHA_B.hex(),
                        url("/missing.bin") + " - missing",
                        "",
                        url("/a.bin") + " " + SHA_A.hex() + " a-key",
                        url("/a.bin") + " nothex"));

        int code = cli.run("fetch-all", manifest.toString(), "--concurrency", "1", "--json");

        assertThat(code).isEqualTo(4);
        List<Map<String, Object>> results =
                cli.out().lines().map(MiniJson::parse).toList();
        assertThat(results).extracting(r -> r.get("sha256")).containsExactly(SHA_B.hex(), null, SHA_A.hex(), null);
        assertThat(results.get(1)).containsEntry("key", "missing").containsKey("error");
        assertThat(results.get(2)).containsEntry("key", "a-key");
        assertThat(results.get(3)).containsEntry("url", url("/a.bin")).containsKey("error");
        assertThat(cli.err())
                .contains("cachet: line 3: cannot fetch " + url("/missing.bin"), "cachet: line 6: cannot fetch");
        assertThat(results.get(0)).containsEntry("source", "hit");
        assertThat(results.get(2)).containsEntry("source", "download");
    }

    @Test
    void fetchAllReadsTheManifestFromStdinAndIsQuietWhenAllIsWell() {
        server.serve("/a.bin", A).serve("/b.bin", B);
        TestIo cli = cli().stdin(url("/a.bin") + "\n" + url("/b.bin") + " " + SHA_B.hex() + "\n");

        assertThat(cli.run("fetch-all", "-")).as(cli::err).isZero();

        List<String> paths = cli.out().lines().toList();
        assertThat(paths).hasSize(2);
        assertThat(paths.get(0)).endsWith(SHA_A.hex());
        assertThat(paths.get(1)).endsWith(SHA_B.hex());
        assertThat(cli.err()).isEmpty();
    }

    @Test
    void fetchAllWithoutItsManifestIsAUsageError() {
        TestIo cli = cli();
        assertThat(cli.run("fetch-all", tmp.resolve("nope.txt").toString())).isEqualTo(2);
        assertThat(cli.err()).contains("no manifest file");
    }

    @Test
    void lsVerifyAndGcOnWhatWasFetched() throws IOException {
        server.serve("/a.bin", A).serve("/b.bin", B);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "--key", "a"))
                .isZero();
        assertThat(cli.run("fetch", url("/b.bin"))).isZero();
        cli.reset();

        assertThat(cli.run("ls")).isZero();
        List<String> ls = cli.out().lines().toList();
        assertThat(ls.get(0)).startsWith("SHA256").contains("SIZE", "LAST USED", "KEY");
        assertThat(ls.get(1)).startsWith(SHA_A.hex()).contains("293.0 KiB").endsWith("  a");
        assertThat(ls.get(2)).startsWith(SHA_B.hex()).contains(url("/b.bin") + "  unpinned");
        assertThat(ls.get(3))
                .isEqualTo(
                        "2 keys, 2 blobs, 488.3 KiB in " + tmp.resolve("cache").toRealPath());

        cli.reset();
        assertThat(cli.run("ls", "--json")).isZero();
        assertThat(cli.out().lines().map(MiniJson::parse).toList())
                .extracting(e -> e.get("key"), e -> e.get("pinned"), e -> e.get("present"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a", true, true),
                        org.assertj.core.groups.Tuple.tuple(url("/b.bin"), false, true));

        cli.reset();
        assertThat(cli.run("verify")).isZero();
        assertThat(cli.out()).isEqualTo("verified 2 blobs (488.3 KiB): 2 intact, 0 corrupt\n");

        cli.reset();
        assertThat(cli.run("gc", "--max-size", "250KiB", "--min-age", "0")).isZero();
        assertThat(cli.out()).isEqualTo("removed 1 blob (293.0 KiB); 195.3 KiB remain\n");
        cli.reset();
        assertThat(cli.run("gc", "--max-size", "0", "--min-age", "0", "--json")).isZero();
        assertThat(MiniJson.parse(cli.out())).containsEntry("blobs_removed", 1L).containsEntry("bytes_remaining", 0L);
        cli.reset();
        assertThat(cli.run("ls")).isZero();
        assertThat(cli.out())
                .isEqualTo("0 keys, 0 blobs, 0 B in " + tmp.resolve("cache").toRealPath() + "\n");
    }

    @Test
    void lsVerifyAndGcOnADirectoryThatDoesNotExistSayItIsEmptyAndDoNotCreateIt() {
        Path none = tmp.resolve("none");
        TestIo cli = cli();

        assertThat(cli.run("ls", "--cache-dir", none.toString())).isZero();
        assertThat(cli.out()).isEqualTo("0 keys, 0 blobs, 0 B in " + none + " (no cache there yet)\n");
        cli.reset();
        assertThat(cli.run("verify", "--cache-dir", none.toString())).isZero();
        assertThat(cli.out()).isEqualTo("verified 0 blobs (0 B): 0 intact, 0 corrupt (no cache at " + none + " yet)\n");
        cli.reset();
        assertThat(cli.run("gc", "--max-size", "0", "--cache-dir", none.toString()))
                .isZero();
        assertThat(cli.out()).isEqualTo("removed 0 blobs (0 B); 0 B remain (no cache at " + none + " yet)\n");
        cli.reset();
        assertThat(cli.run("ls", "--json", "--cache-dir", none.toString())).isZero();
        assertThat(cli.run("verify", "--json", "--cache-dir", none.toString())).isZero();
        assertThat(cli.out()).isEmpty();
        assertThat(cli.run("gc", "--max-size", "0", "--json", "--cache-dir", none.toString()))
                .isZero();
        assertThat(MiniJson.parse(cli.out())).containsEntry("blobs_removed", 0L).containsEntry("bytes_remaining", 0L);

        assertThat(cli.err()).isEmpty();
        assertThat(none).doesNotExist();
    }

    @Test
    void verifyQuarantinesACorruptBlobExits3AndTheNextFetchDownloadsItAgain() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex())).isZero();
        Path blob = Path.of(cli.out().strip());
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
        Files.write(blob, Bytes.flip(A, 1000));
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("r--r--r--"));
        cli.reset();

        assertThat(cli.run("verify")).isEqualTo(3);
        assertThat(cli.out())
                .startsWith("corrupt " + SHA_A.hex() + " (293.0 KiB): its bytes hash to "
                        + Bytes.sha256(Bytes.flip(A, 1000)).hex())
                .contains("moved to " + tmp.resolve("cache").toRealPath().resolve("quarantine"))
                .endsWith("verified 1 blob (293.0 KiB): 0 intact, 1 corrupt\n");
        cli.reset();
        assertThat(cli.run("verify")).isZero();

        cli.reset();
        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "--json"))
                .isZero();
        assertThat(MiniJson.parse(cli.out())).containsEntry("source", "download");
        assertThat(Files.readAllBytes(blob)).isEqualTo(A);
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void theCacheDirectoryFlagBeatsTheEnvironment() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        Path flagged = tmp.resolve("flagged");

        assertThat(cli.run("fetch", url("/a.bin"), "--cache-dir", flagged.toString()))
                .isZero();

        assertThat(Path.of(cli.out().strip())).startsWith(flagged.toRealPath());
        assertThat(tmp.resolve("cache")).doesNotExist();
    }

    @Test
    void progressCanBeForcedOnAndEndsWithASummaryOnStderr() {
        server.serve("/a.bin", A);
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--progress")).isZero();

        assertThat(cli.out().lines()).hasSize(1);
        assertThat(cli.err()).endsWith("downloaded a.bin: 293.0 KiB in 0ms\n"); // The fake clock stood still.
    }

    @Test
    void quietSilencesEvenForcedProgress() {
        server.serve("/a.bin", A);
        TestIo cli = cli().terminal();
        assertThat(cli.run("fetch", url("/a.bin"), "--quiet")).isZero();
        assertThat(cli.err()).isEmpty();
    }
}
