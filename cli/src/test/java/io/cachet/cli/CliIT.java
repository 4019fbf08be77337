package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import io.cachet.testing.CacheFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code cachet} jar, run as separate processes against a loopback HTTP server: the exit
 * codes, stdout holding results only, and several processes sharing one cache.
 */
@Timeout(120)
class CliIT {
    static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 11);
    static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    @BeforeAll
    static void describeTheMachine() throws IOException {
        System.out.printf(
                "java %s on %s %s; temp file store: %s%n",
                System.getProperty("java.version"),
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                Files.getFileStore(Path.of(System.getProperty("java.io.tmpdir")))
                        .type());
    }

    private Path cache() {
        return tmp.resolve("cache");
    }

    private CachetProcess cachet(String... args) throws IOException {
        return CachetProcess.run(tmp, with(args, "--cache-dir", cache().toString()));
    }

    private CachetProcess start(String... args) throws IOException {
        return CachetProcess.start(tmp, with(args, "--cache-dir", cache().toString()));
    }

    static String[] with(String[] args, String... more) {
        return Stream.concat(Stream.of(args), Stream.of(more)).toArray(String[]::new);
    }

    private String url(String path) {
        return server.url(path).toString();
    }

    // ---- help, launcher ------------------------------------------------------------------------

    @Test
    void theJarAndTheLauncherAnswerHelpFromAnyDirectory() throws Exception {
        CachetProcess help = CachetProcess.run(tmp, "fetch", "--help");
        assertThat(help.code()).as(help.toString()).isZero();
        assertThat(help.out()).startsWith("Usage: cachet fetch");

        Path launcher = CachetProcess.jar().getParent().getParent().getParent().resolve("cachet");
        CachetProcess version = CachetProcess.start(tmp, List.of(launcher.toString(), "--version"));
        assertThat(version.await()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("cachet ");
        assertThat(version.err()).isEmpty();
    }

    @Test
    void theLaunchersTrainingRunSucceedsQuietlyAndRemovesItsTemporaryDirectory() throws Exception {
        Path temporary = Files.createDirectory(tmp.resolve("java-tmp"));
        CachetProcess train =
                CachetProcess.start(tmp, CachetProcess.command(List.of("-Djava.io.tmpdir=" + temporary), "train"));

        assertThat(train.await()).as(train.toString()).isZero();
        assertThat(train.out()).isEmpty();
        assertThat(train.err()).isEmpty();
        try (Stream<Path> left = Files.list(temporary)) {
            assertThat(left).as("what the training run made").isEmpty();
        }
    }

    @Test
    void aFetchDoesNotRegisterNettysFlightRecorderEvents() throws Exception {
        server.serve("/model.bin", BODY);
        Path classes = tmp.resolve("classes.log");
        CachetProcess fetch = CachetProcess.start(
                tmp,
                List.of(
                        CachetProcess.java(),
                        "-Xlog:class+load=info:file=" + classes,
                        "-jar",
                        CachetProcess.jar().toString(),
                        "fetch",
                        url("/model.bin"),
                        "--sha256",
                        SHA.hex(),
                        "--cache-dir",
                        cache().toString()));

        assertThat(fetch.await()).as(fetch.toString()).isZero();
        assertThat(Files.readString(classes))
                .as("Netty's allocator ran, without JFR generating handlers for its events (start-up time)")
                .contains("io.netty.buffer.AdaptivePoolingAllocator")
                .doesNotContain("jdk.jfr.internal.MetadataRepository", "jdk.jfr.internal.handlers.EventHandler");
    }

    @Test
    void theDemoShowsOneOriginRequestForEveryCallerAndCleansUp() throws Exception {
        CachetProcess demo = CachetProcess.run(tmp, "demo");

        assertThat(demo.code()).as(demo.toString()).isZero();
        assertThat(demo.out())
                .contains(
                        "origin requests  1, for 18 callers",
                        "bytes served     48.0 MiB",
                        "every caller got ",
                        "One download, one verified file for everyone.");
        assertThat(demo.out().lines().filter(l -> l.endsWith("waited for the download, got the same file")))
                .as("both child processes waited for this one's download")
                .hasSize(2);
        String cacheLine = demo.out()
                .lines()
                .filter(l -> l.startsWith("  cache "))
                .findFirst()
                .orElseThrow();
        Path demoCache = Path.of(cacheLine.strip().split("\\s+")[1]);
        assertThat(demoCache.getParent())
                .as("the temporary directory is removed")
                .doesNotExist();
        assertThat(demo.err()).isEmpty();
    }

    // ---- exit codes ----------------------------------------------------------------------------

    @Test
    void exit0PrintsOnlyThePathAndJsonWhenAsked() throws Exception {
        server.serve("/model.bin", BODY);

        CachetProcess plain = cachet("fetch", url("/model.bin"), "--sha256", SHA.hex());
        CachetProcess json = cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--json");

        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out().lines().toList())
                .singleElement()
                .satisfies(p -> assertThat(Files.readAllBytes(Path.of(p))).isEqualTo(BODY));
        assertThat(plain.err()).isEmpty();
        assertThat(json.code()).as(json.toString()).isZero();
        Map<String, Object> result = MiniJson.parse(json.out());
        assertThat(result)
                .containsEntry("source", "hit")
                .containsEntry("sha256", SHA.hex())
                .containsEntry("size", (long) BODY.length)
                .containsEntry("path", plain.out().strip())
                .containsEntry("url", url("/model.bin"))
                .containsEntry("key", url("/model.bin"));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void exit2ForABadUrlKeyOrDigestWithoutAnyRequest() throws Exception {
        CachetProcess badUrl = cachet("fetch", "htp:/nowhere");
        CachetProcess badKey = cachet("fetch", url("/m"), "--key", "a/../b");
        CachetProcess badDigest = cachet("fetch", url("/m"), "--sha256", "12345");

        for (CachetProcess p : List.of(badUrl, badKey, badDigest)) {
            assertThat(p.code()).as(p.toString()).isEqualTo(2);
            assertThat(p.out()).as(p.toString()).isEmpty();
            assertThat(p.err())
                    .as(p.toString())
                    .startsWith("cachet: cannot fetch ")
                    .doesNotContain("\tat ");
        }
        assertThat(badKey.err()).contains("invalid key");
        assertThat(badDigest.err()).contains("invalid sha256", "64 hex characters");
        assertThat(server.requestCount()).isZero();
    }

    @Test
    void exit3ForADigestMismatchNamingBothDigestsInFull() throws Exception {
        server.serve("/model.bin", BODY);
        Sha256 wrong = Bytes.sha256(new byte[] {1, 2, 3});

        CachetProcess p = cachet("fetch", url("/model.bin"), "--sha256", wrong.hex());

        assertThat(p.code()).as(p.toString()).isEqualTo(3);
        assertThat(p.out()).isEmpty();
        assertThat(p.err())
                .contains(wrong.hex(), SHA.hex(), "Nothing was committed")
                .doesNotContain("\tat ");
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    @Test
    void exit4ForA404AfterOneRequest() throws Exception {
        server.enqueue(Response.status(404));

        CachetProcess p = cachet("fetch", url("/missing.bin"));

        assertThat(p.code()).as(p.toString()).isEqualTo(4);
        assertThat(p.out()).isEmpty();
        assertThat(p.err()).contains("HTTP 404", "check the URL");
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void exit4ForARefusedConnectionAfterTheDefaultRetries() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        CachetProcess p = cachet("fetch", "http://127.0.0.1:" + closedPort + "/model.bin");

        assertThat(p.code()).as(p.toString()).isEqualTo(4);
        assertThat(p.out()).isEmpty();
        assertThat(p.err())
                .containsIgnoringCase("refused")
                .contains("after 4 attempts", "attempts:         4")
                .contains(
                        "could not be reached at all",
                        "not in the cache",
                        "offline mode (--offline, or CACHET_OFFLINE=1)")
                .doesNotContain("Cache.Builder");
    }

    @Test
    void exit6WhenAnotherProcessHoldsTheLockPastTheTimeoutAndThatProcessStillSucceeds() throws Exception {
        try (GatedOrigin origin = new GatedOrigin(BODY, 64 * 1024)) {
            String url = origin.url("/model.bin").toString();
            CachetProcess holder = start("fetch", url, "--sha256", SHA.hex());
            origin.awaitRequest(); // The holder has the lock: it asks the origin only once it holds it.

            CachetProcess waiter = cachet("fetch", url, "--sha256", SHA.hex(), "--lock-timeout", "300ms");

            assertThat(waiter.code()).as(waiter.toString()).isEqualTo(6);
            assertThat(waiter.out()).isEmpty();
            assertThat(waiter.err()).contains("holder pid:       " + holder.pid(), "do not delete the lock file");
            assertThat(holder.process().isAlive())
                    .as("the holder was left alone")
                    .isTrue();

            origin.open();
            assertThat(holder.await()).as(holder.toString()).isZero();
            assertThat(Files.readAllBytes(Path.of(holder.out().strip()))).isEqualTo(BODY);
            assertThat(origin.requests()).isEqualTo(1);
        }
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    // ---- many processes ------------------------------------------------------------------------

    @Test
    void sixProcessesFetchingOneUrlAtOnceCauseOneDownloadAndGetOnePath() throws Exception {
        server.enqueue(
                Response.ok(BODY).throttle(2 * 1024 * 1024)); // The only response: a second request gets a loud 500.
        List<CachetProcess> processes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            processes.add(start("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--json"));
        }

        List<Map<String, Object>> results = new ArrayList<>();
        for (CachetProcess p : processes) {
            assertThat(p.await()).as(p.toString()).isZero();
            results.add(MiniJson.parse(p.out()));
        }

        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(results)
                .extracting(r -> r.get("path"))
                .containsOnly(results.get(0).get("path"));
        assertThat(results).extracting(r -> r.get("source")).containsOnlyOnce("download");
        assertThat(Files.readAllBytes(Path.of((String) results.get(0).get("path"))))
                .isEqualTo(BODY);
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    @Test
    void aFetchKilledWithSigkillMidDownloadIsResumedByTheNextOne() throws Exception {
        int kept = 1024 * 1024;
        server.enqueue(Response.ok(BODY).etag(FaultyServer.etagOf(BODY)).stallAfter(kept));
        server.serve("/model.bin", BODY); // The rerun's request, with Range.
        CachetProcess first = start("fetch", url("/model.bin"), "--sha256", SHA.hex());
        Await.until("the first process has written a part of the artifact", () -> partBytes() >= kept);

        first.process().destroyForcibly();
        first.await();
        CachetProcess rerun = cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--json");

        assertThat(rerun.code()).as(rerun.toString()).isZero();
        assertThat(MiniJson.parse(rerun.out())).containsEntry("source", "resumed");
        assertThat(server.takeRequest().header("Range")).isNull();
        RecordedRequest resumed = server.takeRequest();
        assertThat(resumed.header("Range")).isEqualTo("bytes=" + kept + "-");
        assertThat(resumed.header("If-Range")).isEqualTo(FaultyServer.etagOf(BODY));
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    @Test
    void sigtermClosesTheCacheKeepingThePartSoTheNextFetchResumes() throws Exception {
        int kept = 1024 * 1024;
        server.enqueue(Response.ok(BODY).etag(FaultyServer.etagOf(BODY)).stallAfter(kept));
        server.serve("/model.bin", BODY);
        CachetProcess first = start("fetch", url("/model.bin"), "--sha256", SHA.hex());
        Await.until("the first process has written a part of the artifact", () -> partBytes() >= kept);

        first.process().destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook closes the cache.
        assertThat(first.await()).as(first.toString()).isEqualTo(143);
        assertThat(first.out()).isEmpty();
        assertThat(CacheAudit.problems(cache(), true))
                .as("a resumable part with its sidecar, no stray file")
                .isEmpty();
        assertThat(partBytes()).as("the part is kept for a resume: %s", first).isGreaterThanOrEqualTo(kept);
        CachetProcess rerun =
                cachet("fetch", url("/model.bin"), "--sha256", SHA.hex(), "--json", "--lock-timeout", "0");

        assertThat(rerun.code()).as("the lock was released: " + rerun).isZero();
        assertThat(MiniJson.parse(rerun.out()))
                .as("the rerun resumes; first: %s%nrerun: %s", first, rerun)
                .containsEntry("source", "resumed");
        server.takeRequest();
        assertThat(server.takeRequest().header("Range")).isEqualTo("bytes=" + kept + "-");
    }

    private long partBytes() {
        return CacheFiles.largestPart(cache());
    }

    // ---- fetch-all -----------------------------------------------------------------------------

    @Test
    void fetchAllOf300ArtifactsThroughTransient503sVerifiesThemAll() throws Exception {
        int count = 300;
        int unavailable = 30;
        List<String> manifest = new ArrayList<>(List.of("# 300 shards, 10% of first answers are 503"));
        List<Sha256> digests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] shard = Bytes.random(4096 + i, 1000 + i);
            server.serve("/shard-" + i + ".bin", shard);
            digests.add(Bytes.sha256(shard));
            manifest.add(url("/shard-" + i + ".bin") + " " + digests.get(i).hex() + " shard-" + i);
        }
        for (int i = 0; i < unavailable; i++) {
            server.enqueue(Response.status(503)); // Whichever requests come first; each is retried.
        }
        Path file = Files.write(tmp.resolve("manifest.txt"), manifest);

        CachetProcess p = cachet("fetch-all", file.toString(), "--concurrency", "32", "--retries", "5", "--json");

        assertThat(p.code()).as(p.toString()).isZero();
        List<Map<String, Object>> results = p.out().lines().map(MiniJson::parse).toList();
        assertThat(results).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(results.get(i))
                    .containsEntry("key", "shard-" + i)
                    .containsEntry("sha256", digests.get(i).hex());
            assertThat(Bytes.sha256(
                            Files.readAllBytes(Path.of((String) results.get(i).get("path")))))
                    .isEqualTo(digests.get(i));
        }
        assertThat(server.requestCount()).isEqualTo(count + unavailable);
        assertThat(p.err()).isEmpty();
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    // ---- progress ------------------------------------------------------------------------------

    @Test
    void progressBarsOnStderrWhenForcedWhileStdoutKeepsOnlyThePath() throws Exception {
        server.enqueue(Response.ok(BODY).throttle(4 * 1024 * 1024));

        CachetProcess p = cachet("fetch", url("/model.bin"), "--progress", "--key", "model.bin");

        assertThat(p.code()).as(p.toString()).isZero();
        assertThat(p.out().lines().toList()).singleElement().asString().endsWith(SHA.hex());
        assertThat(p.err()).contains("\033[2Kmodel.bin        [", "/2.0 MiB").endsWith("\n");
        assertThat(p.err())
                .as("the bars are erased, then one summary line")
                .containsPattern("\r\033\\[1A\033\\[Jdownloaded model\\.bin: 2\\.0 MiB in [^\n]+\n$");
    }

    @Test
    void onARealTerminalTheBarIsDrawnWithoutBeingAsked() throws Exception {
        Path script = Path.of("/usr/bin/script");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isExecutable(script),
                "util-linux 'script' is needed to run cachet on a pseudo-terminal; the forced-terminal test covers the drawing");
        server.enqueue(Response.ok(BODY).throttle(4 * 1024 * 1024));
        String command = String.join(
                " ",
                CachetProcess.java(),
                "-jar",
                CachetProcess.jar().toString(),
                "fetch",
                url("/model.bin"),
                "--key",
                "model.bin",
                "--cache-dir",
                cache().toString());

        CachetProcess p = CachetProcess.start(tmp, List.of(script.toString(), "-q", "-e", "-c", command, "/dev/null"));

        assertThat(p.await()).as(p.toString()).isZero();
        assertThat(p.out()).contains("\033[2Kmodel.bin        [", "downloaded model.bin: 2.0 MiB in ", SHA.hex());
    }
}
