package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code fetch-all} as scripts read it, through the real jar: one JSON line per manifest line, failures included. */
@Timeout(120)
class FetchAllIT {
    static final byte[] A = Bytes.random(100_000, 51);
    static final byte[] B = Bytes.random(80_000, 52);
    static final Sha256 SHA_A = Bytes.sha256(A);
    static final Sha256 SHA_B = Bytes.sha256(B);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @RegisterExtension
    final FaultyServer gone = new FaultyServer();

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void jsonPrintsEveryLinesOutcomeInManifestOrderFailuresAsErrorObjects() throws Exception {
        server.serve("/a.bin", A).serve("/b.bin", B);
        gone.enqueue(Response.status(404));
        String missing = gone.url("/missing.bin") + "?token=s3cr3t";
        Path manifest = Files.writeString(
                tmp.resolve("manifest.txt"),
                String.join(
                        "\n",
                        "# one good, one 404, one bad digest, one mismatch, one good",
                        server.url("/a.bin") + " " + SHA_A.hex() + " a-key",
                        missing,
                        server.url("/b.bin") + " nothex b-key",
                        server.url("/b.bin") + " " + SHA_A.hex() + " wrong-b",
                        server.url("/b.bin") + " " + SHA_B.hex()));

        CachetProcess p = CachetProcess.run(
                tmp,
                "fetch-all",
                manifest.toString(),
                "--json",
                "--cache-dir",
                tmp.resolve("cache").toString());

        assertThat(p.code()).as(p.toString()).isEqualTo(4);
        List<Map<String, Object>> lines = p.out().lines().map(MiniJson::parse).toList();
        assertThat(lines).as(p.toString()).hasSize(5);
        assertThat(lines.get(0)).containsEntry("key", "a-key").containsEntry("sha256", SHA_A.hex());
        assertThat(lines.get(4)).containsEntry("sha256", SHA_B.hex()).doesNotContainKey("error");

        assertThat(lines.get(1)).containsEntry("url", missing).containsEntry("key", missing);
        Map<String, Object> notFound = (Map<String, Object>) lines.get(1).get("error");
        assertThat(notFound).containsEntry("exit", 4L);
        assertThat((String) notFound.get("message"))
                .contains("HTTP 404", "check the URL")
                .doesNotContain("s3cr3t");

        assertThat(lines.get(2))
                .containsEntry("url", server.url("/b.bin").toString())
                .containsEntry("key", "b-key");
        Map<String, Object> badDigest = (Map<String, Object>) lines.get(2).get("error");
        assertThat(badDigest).containsEntry("exit", 2L);
        assertThat((String) badDigest.get("message")).contains("invalid sha256", "64 hex characters");

        assertThat(lines.get(3)).containsEntry("key", "wrong-b");
        Map<String, Object> mismatch = (Map<String, Object>) lines.get(3).get("error");
        assertThat(mismatch).containsEntry("exit", 3L);
        assertThat((String) mismatch.get("message")).contains(SHA_A.hex(), "Nothing was committed");

        assertThat(lines).allSatisfy(line -> assertThat(line).containsKeys("url", "key"));
    }

    @Test
    void theProgressCounterCountsLinesThatFinishedWhileAnEarlierOneIsStillRunning() throws Exception {
        server.serve("/a.bin", A).serve("/b.bin", B);
        byte[] slow = Bytes.random(300_000, 53);
        try (GatedOrigin gated = new GatedOrigin(slow, 1024)) {
            Path manifest = Files.writeString(
                    tmp.resolve("manifest.txt"),
                    String.join(
                            "\n",
                            gated.url("/slow.bin").toString(),
                            server.url("/a.bin").toString(),
                            server.url("/b.bin").toString()));
            CachetProcess p = CachetProcess.start(
                    tmp,
                    "fetch-all",
                    manifest.toString(),
                    "--progress",
                    "--cache-dir",
                    tmp.resolve("cache").toString());

            Await.until(
                    "the bars count the two lines after the held one as done",
                    () -> p.err().contains("2/3 done"));
            assertThat(p.process().isAlive()).as("the first line is still held").isTrue();
            assertThat(p.out())
                    .as("results stay in manifest order: nothing before the first line's")
                    .isEmpty();

            gated.open();
            assertThat(p.await()).as(p.toString()).isZero();
            assertThat(p.out().lines().toList())
                    .hasSize(3)
                    .first()
                    .asString()
                    .endsWith(Bytes.sha256(slow).hex());
        }
    }
}
