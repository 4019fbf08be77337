package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.redis.testing.RedisServer;
import io.cachet.s3.testing.S3Server;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A fleet of real hosts: {@code cachet} processes, each with its own cache directory, sharing a
 * real {@code redis-server} (the cluster) and s3proxy behind a fault-injecting proxy (the tier),
 * against the loopback {@link FaultyServer} as the origin, which counts requests and bytes. Each
 * fault of Redis or S3 leaves every fetch that the origin can serve successful, with one warning.
 * Leases live 2 s here, so that a killed holder is replaced quickly; the assertions are on outcomes.
 */
@Timeout(120)
class FleetIT {
    static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 13);
    static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    static final S3Server s3 = new S3Server();

    @RegisterExtension
    final RedisServer redis = new RedisServer();

    @RegisterExtension
    final FaultyServer origin = new FaultyServer();

    @TempDir
    Path tmp;

    private String bucket;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void newBucketAndCredentials() {
        bucket = s3.newBucket();
        env.put("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
    }

    /** Starts {@code cachet fetch URL args...} as host {@code name}: its own cache, the fleet's flags. */
    private CachetProcess host(String name, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("fetch", url()));
        all.addAll(List.of(args));
        all.addAll(List.of(
                "--cache-dir",
                cache(name).toString(),
                "--cluster",
                redis.uri().toString(),
                "--tier",
                "s3://" + bucket + "/fleet",
                "--tier-endpoint",
                s3.endpoint().toString(),
                "--lease-ttl",
                "2s",
                "--json"));
        return CachetProcess.start(tmp, env, all.toArray(String[]::new));
    }

    private Path cache(String host) {
        return tmp.resolve(host);
    }

    private String url() {
        return origin.url("/model.bin").toString();
    }

    private String blobKey(Sha256 sha) {
        return "fleet/sha256/" + sha.hex();
    }

    /** Waits for the exit, asserts success, and returns the host's one JSON result. */
    private static Map<String, Object> succeeded(CachetProcess p) {
        assertThat(p.await()).as(p.toString()).isZero();
        return MiniJson.parse(p.out());
    }

    private static void assertHolds(Map<String, Object> result, byte[] body) throws IOException {
        assertThat(Files.readAllBytes(Path.of((String) result.get("path")))).isEqualTo(body);
    }

    private static long warnings(CachetProcess p) {
        return p.err().lines().filter(l -> l.startsWith("WARN")).count();
    }

    private void auditAll(String... hosts) throws IOException {
        for (String host : hosts) {
            assertThat(CacheAudit.problems(cache(host), false)).as(host).isEmpty();
        }
    }

    /**
     * Waits for what a host process does, at most a minute (a JVM starting on a busy machine is
     * slow); fails at once, with its output, if the process ended first.
     */
    private static void await(String what, BooleanSupplier condition, CachetProcess process) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (!process.process().isAlive()) {
                throw new AssertionError("the host ended before " + what + ": " + process);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what + ": " + process);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Host a, holding the lease and downloading from the origin at a pace set by {@code clock}: its
     * download goes on only when the test moves the clock. Later requests get the whole body at once.
     */
    private CachetProcess holderOfAPausedDownload(VirtualTimeScheduler clock) throws IOException {
        origin.pacedBy(clock).enqueue(Response.ok(BODY).throttle(512 * 1024));
        origin.serve("/model.bin", BODY);
        CachetProcess holder = host("a", "--sha256", SHA.hex());
        await("host a downloads", () -> origin.pacedAnswers() == 1, holder);
        return holder;
    }

    /** Moves the origin's virtual clock on until {@code process} ends (at most a minute). */
    private static void runUntilEnded(VirtualTimeScheduler clock, CachetProcess process) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (process.process().isAlive() && System.nanoTime() < deadline) {
            clock.advanceTimeBy(Duration.ofMillis(500));
            Thread.sleep(20);
        }
    }

    private boolean leaseHeld() {
        return !((List<?>) redis.command("KEYS", "cachet:lease:*")).isEmpty();
    }

    // ---- one download for the fleet ------------------------------------------------------------

    @Test
    void threeHostsAskingForOnePinnedArtifactAtOnceCauseOneOriginGet() throws Exception {
        origin.enqueue(Response.ok(BODY).throttle(2 * 1024 * 1024)); // The only response: a second GET is a loud 500.

        List<CachetProcess> hosts = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            hosts.add(host(name, "--sha256", SHA.hex()));
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (CachetProcess p : hosts) {
            results.add(succeeded(p));
        }

        assertThat(origin.requestCount()).isEqualTo(1);
        assertThat(results).extracting(r -> r.get("source")).containsOnlyOnce("download");
        assertThat(results)
                .extracting(r -> r.get("source"))
                .filteredOn(s -> !"download".equals(s))
                .allMatch(s -> s.equals("tier") || s.equals("waited"));
        for (Map<String, Object> r : results) {
            assertHolds(r, BODY);
        }
        assertThat(s3.keys(bucket)).containsExactly(blobKey(SHA));
        assertThat(hosts).allMatch(p -> warnings(p) == 0);
        auditAll("a", "b", "c");
    }

    @Test
    void threeHostsAskingForOneUnpinnedKeyAllHoldTheFirstHostsBytes() throws Exception {
        byte[] other = Bytes.random(BODY.length, 14);
        origin.enqueue(Response.ok(BODY).throttle(2 * 1024 * 1024));
        origin.serve("/model.bin", other); // What a second GET would get: other bytes.

        List<CachetProcess> hosts = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            hosts.add(host(name));
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (CachetProcess p : hosts) {
            results.add(succeeded(p));
        }

        assertThat(origin.requestCount()).isEqualTo(1);
        assertThat(results).extracting(r -> r.get("sha256")).containsOnly(SHA.hex());
        assertThat(results).extracting(r -> r.get("source")).containsOnlyOnce("download");
        assertThat(s3.keys(bucket)).contains(blobKey(SHA)).anyMatch(k -> k.startsWith("fleet/keys/"));
        auditAll("a", "b", "c");
    }

    @Test
    void aHolderKilledMidDownloadIsReplacedOnceItsLeaseExpiresAndEverySurvivorCompletes() throws Exception {
        origin.enqueue(Response.ok(BODY).stallAfter(512 * 1024)); // The holder's download never ends.
        origin.serve("/model.bin", BODY);
        CachetProcess holder = host("a", "--sha256", SHA.hex());
        await("host a holds the lease", this::leaseHeld, holder);
        CachetProcess b = host("b", "--sha256", SHA.hex(), "--progress");
        CachetProcess c = host("c", "--sha256", SHA.hex(), "--progress");
        await("host b waits for host a", () -> b.err().contains("waiting for "), b);
        await("host c waits for host a", () -> c.err().contains("waiting for "), c);

        holder.process().destroyForcibly(); // kill -9: its lease is never released, only expires.
        holder.await();

        Map<String, Object> atB = succeeded(b);
        Map<String, Object> atC = succeeded(c);
        assertHolds(atB, BODY);
        assertHolds(atC, BODY);
        assertThat(List.of(atB.get("source"), atC.get("source"))).containsOnlyOnce("download");
        assertThat(origin.requestCount()).isEqualTo(2);
        assertThat(b.err() + c.err()).contains("waiting for " + hostName() + " pid " + holder.pid());
        auditAll("b", "c");
    }

    // ---- Redis faults --------------------------------------------------------------------------

    @Test
    void redisUnreachableAtStartCostsOneWarningAndTheTierStillShares() throws Exception {
        origin.enqueue(Response.ok(BODY));
        redis.kill();

        CachetProcess first = host("a", "--sha256", SHA.hex());
        Map<String, Object> atA = succeeded(first);
        CachetProcess second = host("b", "--sha256", SHA.hex());
        Map<String, Object> atB = succeeded(second);

        assertThat(atA.get("source")).isEqualTo("download");
        assertThat(atB.get("source")).isEqualTo("tier");
        assertThat(warnings(first)).as(first.toString()).isEqualTo(1);
        assertThat(first.err()).contains("The fleet's cluster", "cannot be used", "check that redis-server is running");
        assertThat(warnings(second)).as("the tier had it: no lease needed").isZero();
        assertHolds(atB, BODY);
    }

    @Test
    void redisKilledWhileHostsWaitSendsThemToTheOriginAndEveryFetchSucceeds() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        CachetProcess holder = holderOfAPausedDownload(clock);
        CachetProcess waiter = host("b", "--sha256", SHA.hex(), "--progress");
        await("host b waits", () -> waiter.err().contains("waiting for "), waiter);

        redis.kill();
        Map<String, Object> atB = succeeded(waiter);
        runUntilEnded(clock, holder); // Host a's download goes on, and ends.
        Map<String, Object> atA = succeeded(holder);
        clock.dispose();

        assertHolds(atA, BODY);
        assertHolds(atB, BODY);
        assertThat(warnings(waiter)).as(waiter.toString()).isEqualTo(1);
        assertThat(warnings(holder))
                .as("a renewal that cannot tell is no loss: " + holder)
                .isZero();
        auditAll("a", "b");
    }

    @Test
    void redisRestartedMidDownloadLetsTwoHostsDownloadBothVerifyAndTheTierKeepsOneObject() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        CachetProcess holder = holderOfAPausedDownload(clock);

        redis.restart(); // Empty: host a's lease is gone.
        CachetProcess second = host("b", "--sha256", SHA.hex());
        Map<String, Object> atB = succeeded(second);
        runUntilEnded(clock, holder);
        Map<String, Object> atA = succeeded(holder);
        clock.dispose();

        assertThat(atA.get("source")).isEqualTo("download");
        assertThat(atB.get("source")).isEqualTo("download");
        assertThat(origin.requestCount()).isEqualTo(2);
        assertHolds(atA, BODY);
        assertHolds(atB, BODY);
        assertThat(s3.keys(bucket)).containsExactly(blobKey(SHA));
        assertThat(holder.err()).contains("was lost");
        auditAll("a", "b");
    }

    // ---- S3 faults -----------------------------------------------------------------------------

    @Test
    void s3AnsweringErrorsCostsOneWarningAndTheOriginServesEveryHost() throws Exception {
        origin.serve("/model.bin", BODY);
        s3.proxy().failAll(503);

        CachetProcess first = host("a", "--sha256", SHA.hex());
        CachetProcess second = host("b", "--sha256", SHA.hex());

        assertThat(succeeded(first).get("source")).isEqualTo("download");
        assertThat(succeeded(second).get("source")).isEqualTo("download");
        assertThat(warnings(first)).as(first.toString()).isEqualTo(1);
        assertThat(first.err()).contains("The fleet's tier", "cannot be used", "503");
        assertThat(origin.requestCount()).isEqualTo(2);
    }

    @Test
    void s3ThatNeverAnswersIsGivenUpAfterTheIdleTimeoutAndTheOriginServes() throws Exception {
        origin.serve("/model.bin", BODY);
        s3.proxy().stallAll();

        CachetProcess host = host("a", "--sha256", SHA.hex(), "--idle-timeout", "2s");

        assertThat(succeeded(host).get("source")).isEqualTo("download");
        assertThat(warnings(host)).as(host.toString()).isEqualTo(1);
        assertThat(host.err()).contains("The fleet's tier", "no answer within 2s");
    }

    @Test
    void s3RefusingTheCredentialsSaysToCheckThemAndTheOriginServes() throws Exception {
        origin.serve("/model.bin", BODY);
        env.put("AWS_SECRET_ACCESS_KEY", "not-the-secret");

        CachetProcess host = host("a", "--sha256", SHA.hex());

        assertThat(succeeded(host).get("source")).isEqualTo("download");
        assertThat(warnings(host)).as(host.toString()).isEqualTo(1);
        assertThat(host.err()).contains("check the AWS credentials");
    }

    @Test
    void aCorruptObjectInTheTierIsNeverServedAndItsHostDownloadsFromTheOrigin() throws Exception {
        origin.serve("/model.bin", BODY);
        assertThat(succeeded(host("a", "--sha256", SHA.hex())).get("source")).isEqualTo("download");
        s3.corrupt(bucket, blobKey(SHA), 1000);

        CachetProcess second = host("b", "--sha256", SHA.hex());

        Map<String, Object> atB = succeeded(second);
        assertThat(atB.get("source")).isEqualTo("download");
        assertHolds(atB, BODY);
        assertThat(warnings(second)).as(second.toString()).isEqualTo(1);
        assertThat(second.err()).contains("does not verify", blobKey(SHA), "delete that object");
        assertThat(origin.requestCount()).isEqualTo(2);
    }

    @Test
    void aTruncatedObjectInTheTierIsNotReadAndItsHostDownloadsFromTheOrigin() throws Exception {
        origin.serve("/model.bin", BODY);
        assertThat(succeeded(host("a", "--sha256", SHA.hex())).get("source")).isEqualTo("download");
        s3.truncate(bucket, blobKey(SHA), BODY.length / 2);

        CachetProcess second = host("b", "--sha256", SHA.hex(), "--size", Integer.toString(BODY.length));

        Map<String, Object> atB = succeeded(second);
        assertThat(atB.get("source")).isEqualTo("download");
        assertHolds(atB, BODY);
        assertThat(second.err()).contains("it has " + BODY.length / 2 + " bytes, not " + BODY.length);
    }

    // ---- the demo ------------------------------------------------------------------------------

    @Test
    void theFleetDemoShowsThreeHostsSharingOneDownload() throws Exception {
        CachetProcess demo = CachetProcess.run(tmp, "demo", "--fleet");

        assertThat(demo.code()).as(demo.toString()).isZero();
        assertThat(demo.out())
                .contains("origin requests  1, for 3 hosts", "bytes served     48.0 MiB", "One download for the fleet");
        assertThat(demo.out().lines().filter(l -> l.endsWith("downloaded it, then put it in the tier")))
                .hasSize(1);
        assertThat(demo.out().lines().filter(l -> l.contains("read it from the tier")))
                .hasSize(2);
        assertThat(demo.err()).isEmpty();
    }

    @Test
    void theFleetDemoWithoutRedisSaysHowToInstallIt() throws Exception {
        CachetProcess demo = CachetProcess.run(
                tmp,
                Map.of("CACHET_REDIS_SERVER", tmp.resolve("no-redis-server").toString()),
                "demo",
                "--fleet");

        assertThat(demo.code()).as(demo.toString()).isEqualTo(2);
        assertThat(demo.err())
                .contains("needs redis-server", "sudo apt-get install redis-server", "brew install redis");
        assertThat(demo.out()).isEmpty();
    }

    // ---- start-up without the flags ------------------------------------------------------------

    @Test
    void aFetchWithoutTheFleetsFlagsLoadsNeitherClient() throws Exception {
        origin.serve("/model.bin", BODY);
        Path classes = tmp.resolve("classes.log");
        CachetProcess fetch = CachetProcess.start(
                tmp,
                CachetProcess.command(
                        List.of("-Xlog:class+load=info:file=" + classes),
                        "fetch",
                        url(),
                        "--sha256",
                        SHA.hex(),
                        "--cache-dir",
                        cache("plain").toString()));

        assertThat(fetch.await()).as(fetch.toString()).isZero();
        try (Stream<String> lines = Files.lines(classes)) {
            assertThat(lines.filter(l -> l.contains("io.lettuce.")
                            || l.contains("software.amazon.")
                            || l.contains("io.cachet.redis.")
                            || l.contains("io.cachet.s3.")
                            || l.contains("io.cachet.cli.FleetClients")))
                    .isEmpty();
        }
    }

    private static String hostName() throws IOException {
        Path kernel = Path.of("/proc/sys/kernel/hostname");
        return Files.isReadable(kernel)
                ? Files.readString(kernel).strip()
                : java.net.InetAddress.getLocalHost().getHostName();
    }
}
