package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Offline mode, output paths, rm, the size cap and gc's minimum age, as commands run in this JVM. */
@Timeout(60)
class DailyUseTest {
    static final byte[] A = Bytes.random(300_000, 71);
    static final byte[] B = Bytes.random(200_000, 72);
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

    // ---- offline ---------------------------------------------------------------------------------

    @Test
    void anOfflineMissExits7WithoutARequestAndSaysHowToGoOnline() {
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--offline")).isEqualTo(7);

        assertThat(cli.out()).isEmpty();
        assertThat(cli.err())
                .startsWith(
                        "cachet: cannot fetch " + url("/a.bin") + ": it is not in the cache, and the cache is offline")
                .contains("leave out --offline, and unset CACHET_OFFLINE")
                .doesNotContain("Cache.Builder");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void cachetOfflineServesWhatIsCachedAndFailsTheRestWithoutRequests() {
        server.serve("/a.bin", A);
        TestIo online = cli();
        assertThat(online.run("fetch", url("/a.bin"))).isZero();
        String path = online.out().strip();

        TestIo offline = cli().env("CACHET_OFFLINE", "1");
        assertThat(offline.run("fetch", url("/a.bin"))).as(offline.err()).isZero();
        assertThat(offline.out().strip()).isEqualTo(path);

        TestIo batch = cli().env("CACHET_OFFLINE", "yes").stdin(url("/a.bin") + "\n" + url("/b.bin") + "\n");
        assertThat(batch.run("fetch-all", "-", "--json")).isEqualTo(7);
        List<Map<String, Object>> lines =
                batch.out().lines().map(MiniJson::parse).toList();
        assertThat(lines.get(0)).containsEntry("path", path);
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) lines.get(1).get("error");
        assertThat(error).containsEntry("exit", 7L);
        assertThat((String) error.get("message")).contains("not in the cache", "--offline");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void aCachetOfflineThatIsNeitherYesNorNoIsAUsageError() {
        TestIo cli = cli().env("CACHET_OFFLINE", "maybe");

        assertThat(cli.run("fetch", url("/a.bin"))).isEqualTo(2);
        assertThat(cli.err()).contains("CACHET_OFFLINE must be 1 or 0", "'maybe'");
        assertThat(server.requestCount()).isZero();
    }

    // ---- output paths ----------------------------------------------------------------------------

    @Test
    void fetchWithAnOutputPrintsItAndJsonAddsItBesideTheCachedPath() throws IOException {
        server.serve("/a.bin", A);
        Path output = Files.writeString(tmp.resolve("model.bin"), "an older model");
        TestIo cli = cli();

        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "-o", output.toString()))
                .as(cli.err())
                .isZero();
        assertThat(cli.out()).isEqualTo(output + "\n");
        assertThat(Files.readAllBytes(output)).isEqualTo(A);

        cli.reset();
        assertThat(cli.run("fetch", url("/a.bin"), "--json", "--output", output.toString()))
                .isZero();
        Map<String, Object> result = MiniJson.parse(cli.out());
        assertThat(result).containsEntry("output", output.toString()).containsEntry("source", "hit");
        assertThat(Files.isSameFile(Path.of((String) result.get("path")), output))
                .isTrue();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("linking again onto the same inode leaves no temporary link beside it")
                    .noneMatch(name -> name.startsWith("."));
        }
    }

    @Test
    void anOutputWhoseDirectoryIsMissingIsAUsageErrorBeforeAnyRequest() {
        TestIo cli = cli();

        assertThat(cli.run(
                        "fetch",
                        url("/a.bin"),
                        "-o",
                        tmp.resolve("no/such/dir/model.bin").toString()))
                .isEqualTo(2);
        assertThat(cli.err()).contains("invalid output", "does not exist; create it first");
        assertThat(cli.out()).isEmpty();
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void fetchAllWritesEachLineToItsNameInTheOutputDirectory() throws IOException {
        server.serve("/models/a.bin", A).serve("/b", B);
        Path dir = Files.createDirectory(tmp.resolve("out"));
        TestIo cli = cli().stdin(url("/models/a.bin") + "\n" + url("/b") + " " + SHA_B.hex() + " weights.bin\n");

        assertThat(cli.run("fetch-all", "-", "--output-dir", dir.toString()))
                .as(cli.err())
                .isZero();

        assertThat(cli.out().lines().toList())
                .containsExactly(
                        dir.resolve("a.bin").toString(),
                        dir.resolve("weights.bin").toString());
        assertThat(Files.readAllBytes(dir.resolve("a.bin"))).isEqualTo(A);
        assertThat(Files.readAllBytes(dir.resolve("weights.bin"))).isEqualTo(B);
    }

    @Test
    void twoLinesWritingOneNameOrALineWithoutANameAreRefusedBeforeAnyDownload() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("out"));
        TestIo same = cli().stdin(url("/v1/model.bin") + "\n" + url("/v2/model.bin") + "\n");
        TestIo nameless = cli().stdin(url("/models/") + "\n");
        TestIo dot = cli().stdin(url("/model.bin") + " - .\n");

        assertThat(same.run("fetch-all", "-", "--output-dir", dir.toString())).isEqualTo(2);
        assertThat(nameless.run("fetch-all", "-", "--output-dir", dir.toString()))
                .isEqualTo(2);
        assertThat(dot.run("fetch-all", "-", "--output-dir", dir.toString())).isEqualTo(2);

        assertThat(same.err()).contains("manifest lines 1 and 2 would both write " + dir.resolve("model.bin"), "KEY");
        assertThat(nameless.err()).contains("manifest line 1", "has no file name", "give the line a KEY");
        assertThat(dot.err()).contains("the KEY '.' cannot name a file");
        assertThat(server.requestCount()).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    // ---- rm --------------------------------------------------------------------------------------

    @Test
    void rmOfOneOfTwoKeysSharingABlobKeepsTheBlobAndTheSecondDeletesIt() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "--key", "first"))
                .isZero();
        Path blob = Path.of(cli.out().strip());
        assertThat(cli.run("fetch", url("/a.bin"), "--sha256", SHA_A.hex(), "--key", "second"))
                .isZero();

        cli.reset();
        assertThat(cli.run("rm", "first", "never-fetched")).isZero();
        assertThat(cli.out())
                .isEqualTo(
                        "removed first; its blob kept: another key names the same bytes\nnot cached never-fetched\n");
        assertThat(blob).exists();

        cli.reset();
        assertThat(cli.run("rm", "second", "--json")).isZero();
        assertThat(MiniJson.parse(cli.out()))
                .containsEntry("key", "second")
                .containsEntry("outcome", "removed")
                .containsEntry("sha256", SHA_A.hex())
                .containsEntry("blob", "deleted");
        assertThat(blob).doesNotExist();
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(CacheAudit.problems(tmp.resolve("cache"), false)).isEmpty();
    }

    @Test
    void rmOfAUrlRemovesTheKeyItWasFetchedUnder() {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"))).isZero();

        cli.reset();
        assertThat(cli.run("rm", url("/a.bin"))).isZero();
        assertThat(cli.out()).startsWith("removed " + url("/a.bin") + "; its blob deleted");

        cli.reset();
        assertThat(cli.run("ls")).isZero();
        assertThat(cli.out()).startsWith("0 keys");
    }

    @Test
    void rmOfAKeyBeingFetchedLeavesItAloneAndExits8() throws Exception {
        try (GatedOrigin gated = new GatedOrigin(A, 1024)) {
            String url = gated.url("/a.bin").toString();
            CompletableFuture<Integer> fetching = CompletableFuture.supplyAsync(() -> cli().run("fetch", url));
            gated.awaitRequest(); // The fetch holds the key's lock: it asks the origin only once it does.

            TestIo rm = cli();
            assertThat(rm.run("rm", url)).isEqualTo(8);
            assertThat(rm.err()).contains("cannot remove " + url, "it is being fetched", "nothing was changed");
            assertThat(rm.out()).isEmpty();

            gated.open();
            assertThat(fetching.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void rmOfSomethingThatIsNotAKeyIsAUsageErrorAndRemovesNothing() {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"), "--key", "kept")).isZero();

        cli.reset();
        assertThat(cli.run("rm", "kept", "a/../b")).isEqualTo(2);
        assertThat(cli.err()).contains("invalid key");
        cli.reset();
        assertThat(cli.run("ls")).isZero();
        assertThat(cli.out()).contains("  kept  ", "1 key, 1 blob");
    }

    // ---- gc and the size cap ---------------------------------------------------------------------

    @Test
    void gcKeepsWhatWasUsedWithinTheMinimumAgeAndNeedsASize() throws IOException {
        server.serve("/a.bin", A);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"))).isZero();
        Path blob = Path.of(cli.out().strip());

        cli.reset();
        assertThat(cli.run("gc")).isEqualTo(2);
        assertThat(cli.err()).contains("--max-size SIZE (or CACHET_MAX_SIZE=SIZE)");

        cli.reset();
        assertThat(cli.run("gc", "--max-size", "0")).isZero();
        assertThat(cli.out()).startsWith("removed 0 blobs");
        assertThat(blob).exists();

        TestIo capped = cli().env("CACHET_MAX_SIZE", "0");
        assertThat(capped.run("gc", "--min-age", "0s", "--json")).isZero();
        assertThat(MiniJson.parse(capped.out()))
                .containsEntry("blobs_removed", 1L)
                .containsEntry("quarantine_removed", 0L);
        assertThat(blob).doesNotExist();
    }

    @Test
    void aFetchWithAMaxSizeEvictsTheLeastRecentlyUsedOlderArtifactsBeforeItExits() throws IOException {
        server.serve("/a.bin", A).serve("/b.bin", B);
        TestIo cli = cli();
        assertThat(cli.run("fetch", url("/a.bin"))).isZero();
        Path older = Path.of(cli.out().strip());
        ageEverything(Duration.ofHours(1));

        cli.reset();
        assertThat(cli.run("fetch", url("/b.bin"), "--max-size", "250KiB"))
                .as(cli.err())
                .isZero();
        Path newer = Path.of(cli.out().strip());

        assertThat(older).doesNotExist();
        assertThat(newer).exists();
        cli.reset();
        TestIo viaVariable = cli().env("CACHET_MAX_SIZE", "10x");
        assertThat(viaVariable.run("fetch", url("/b.bin"))).isEqualTo(2);
        assertThat(viaVariable.err()).contains("CACHET_MAX_SIZE must be a size such as 10GiB");
    }

    /** Makes every record and blob look last used {@code ago}. */
    private void ageEverything(Duration ago) throws IOException {
        FileTime then = FileTime.from(Instant.now().minus(ago));
        try (Stream<Path> files = Files.walk(tmp.resolve("cache"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    Files.setLastModifiedTime(file, then);
                }
            }
        }
    }
}
