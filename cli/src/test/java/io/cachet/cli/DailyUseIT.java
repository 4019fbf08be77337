package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.Jvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline mode, output paths, rm and leases through the real jar, as separate processes: what a
 * script and the programs beside it see.
 */
@Timeout(120)
class DailyUseIT {
    static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 81);
    static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    private Path cache() {
        return tmp.resolve("cache");
    }

    private CachetProcess cachet(String... args) throws IOException {
        return CachetProcess.run(tmp, CliIT.with(args, "--cache-dir", cache().toString()));
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    @Test
    void anOfflineMissMakesNoRequestAndExits7AndAHitStillWorks() throws Exception {
        server.serve("/model.bin", BODY);

        CachetProcess miss = cachet("fetch", url("/model.bin"), "--offline");
        assertThat(miss.code()).as(miss.toString()).isEqualTo(7);
        assertThat(miss.out()).isEmpty();
        assertThat(miss.err()).contains("not in the cache, and the cache is offline", "leave out --offline");
        assertThat(server.requestCount()).isZero();

        CachetProcess online = cachet("fetch", url("/model.bin"));
        CachetProcess hit = CachetProcess.run(
                tmp, Map.of("CACHET_OFFLINE", "1"), "fetch", url("/model.bin"), "--cache-dir", cache().toString());
        assertThat(hit.code()).as(hit.toString()).isZero();
        assertThat(hit.out()).isEqualTo(online.out());
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void aPathPrintedAMomentAgoSurvivesGcInAnotherShell() throws Exception {
        server.serve("/model.bin", BODY);
        CachetProcess fetch = cachet("fetch", url("/model.bin"));
        Path printed = Path.of(fetch.out().strip());

        CachetProcess gc = cachet("gc", "--max-size", "0");

        assertThat(gc.code()).as(gc.toString()).isZero();
        assertThat(gc.out()).startsWith("removed 0 blobs");
        assertThat(Files.readAllBytes(printed)).isEqualTo(BODY);
    }

    @Test
    void aLeasedArtifactSurvivesGcByAnotherProcessAndGoesOnceTheLeaseCloses() throws Exception {
        Path artifact = Files.write(tmp.resolve("model.bin"), BODY);
        Jvm holder = Jvm.start(
                CacheWorker.on(cache(), artifact, tmp.resolve("origin.log"), "--sha=" + SHA.hex(), "--lease"), tmp);
        try {
            Path blob =
                    Path.of(holder.awaitLine("LEASED ", Duration.ofSeconds(60)).substring("LEASED ".length()));

            CachetProcess whileLeased = cachet("gc", "--max-size", "0", "--min-age", "0");
            assertThat(whileLeased.code()).as(whileLeased.toString()).isZero();
            assertThat(whileLeased.out()).startsWith("removed 0 blobs").contains("1 in use, skipped");
            assertThat(Files.readAllBytes(blob)).isEqualTo(BODY);

            holder.tell("RELEASE");
            holder.awaitLine("RELEASED", Duration.ofSeconds(60));
            CachetProcess afterwards = cachet("gc", "--max-size", "0", "--min-age", "0", "--json");
            assertThat(afterwards.code()).as(afterwards.toString()).isZero();
            assertThat(MiniJson.parse(afterwards.out())).containsEntry("blobs_removed", 1L);
            assertThat(blob).doesNotExist();
            assertThat(holder.awaitExit(Duration.ofSeconds(60)))
                    .as(holder::report)
                    .isZero();
        } finally {
            holder.destroyForcibly();
        }
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    @Test
    void anOutputPathIsAbsentAfterAKill9MidDownloadAndHoldsTheVerifiedBytesAfterTheRerun() throws Exception {
        int kept = 1024 * 1024;
        server.enqueue(Response.ok(BODY).etag(FaultyServer.etagOf(BODY)).stallAfter(kept));
        server.serve("/model.bin", BODY);
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path output = out.resolve("model.bin");
        CachetProcess first = CachetProcess.start(
                tmp,
                CliIT.with(
                        new String[] {"fetch", url("/model.bin"), "--sha256", SHA.hex(), "-o", output.toString()},
                        "--cache-dir",
                        cache().toString()));
        Await.until(
                "the first process has written a part of the artifact", () -> CacheFiles.largestPart(cache()) >= kept);

        first.process().destroyForcibly();
        first.await();

        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).as("no output, and no partial file beside it").isEmpty();
        }
        CachetProcess rerun =
                cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "-o", output.toString(), "--json");
        assertThat(rerun.code()).as(rerun.toString()).isZero();
        assertThat(MiniJson.parse(rerun.out()))
                .containsEntry("output", output.toString())
                .containsEntry("source", "resumed");
        assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files).containsExactly(output);
        }
    }

    @Test
    void anOutputOnAnotherFileSystemIsACopy() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)),
                "needs /dev/shm on another file system than the temporary directory; FetchToTest covers the copy");
        server.serve("/model.bin", BODY);
        Path out = Files.createTempDirectory(shm, "cachet-it-");
        try {
            Path output = out.resolve("model.bin");
            CachetProcess p = cachet("fetch", url("/model.bin"), "-o", output.toString(), "--json");

            assertThat(p.code()).as(p.toString()).isZero();
            Path blob = Path.of((String) MiniJson.parse(p.out()).get("path"));
            assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
            assertThat(Files.isSameFile(output, blob)).isFalse();
        } finally {
            io.cachet.testing.FileTree.deleteRecursively(out);
        }
    }

    @Test
    void rmOfOneOfTwoKeysSharingABlobKeepsTheBlob() throws Exception {
        server.serve("/model.bin", BODY);
        CachetProcess first = cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--key", "first");
        CachetProcess second = cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--key", "second");
        Path blob = Path.of(first.out().strip());
        assertThat(second.out().strip()).isEqualTo(blob.toString());

        CachetProcess rm = cachet("rm", "first");
        assertThat(rm.code()).as(rm.toString()).isZero();
        assertThat(rm.out()).isEqualTo("removed first; its blob kept: another key names the same bytes\n");
        assertThat(Files.readAllBytes(blob)).isEqualTo(BODY);

        CachetProcess rmOther = cachet("rm", "second");
        assertThat(rmOther.out()).startsWith("removed second; its blob deleted");
        assertThat(blob).doesNotExist();
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }
}
