package io.cachet.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.reactor.testing.LeakDetection;
import io.cachet.redis.testing.RedisServer;
import io.cachet.spi.Cluster;
import io.cachet.spi.Cluster.Attempt;
import io.cachet.spi.Cluster.Busy;
import io.cachet.spi.Cluster.Granted;
import io.cachet.spi.Cluster.Holder;
import io.cachet.spi.Cluster.Lease;
import io.cachet.testing.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@Timeout(60)
class RedisClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Holder HOST_A = new Holder("host-a", 1111, -1, -1);
    private static final Holder HOST_B = new Holder("host-b", 2222, -1, -1);
    private static final Duration LONG_TTL = Duration.ofMinutes(1);

    @RegisterExtension
    final RedisServer redis = new RedisServer();

    private final List<RedisCluster> clusters = new ArrayList<>();

    private RedisCluster cluster() {
        return cluster(RedisCluster.Options.DEFAULTS.withTimeouts(Duration.ofSeconds(1)));
    }

    private RedisCluster cluster(RedisCluster.Options options) {
        return cluster(redis.uri(), options);
    }

    private RedisCluster cluster(URI uri, RedisCluster.Options options) {
        RedisCluster cluster = RedisCluster.connect(uri, options);
        clusters.add(cluster);
        return cluster;
    }

    @AfterEach
    void closeEveryClientAndCheckForLeaks() {
        clusters.forEach(RedisCluster::close);
        Await.until(
                "Lettuce's threads have stopped",
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive() && t.getName().startsWith("lettuce-")));
        LeakDetection.checkAfterTest();
    }

    // ---- exclusivity ----

    @Test
    void aLeaseHasOneOwnerAtATimeAcrossClients() {
        RedisCluster a = cluster();
        RedisCluster b = cluster();

        Lease lease = granted(a.tryAcquire("k1", HOST_A.withProgress(40, 100), LONG_TTL));
        Attempt other = b.tryAcquire("k1", HOST_B, LONG_TTL).block(WAIT);

        assertThat(lease.name()).isEqualTo("k1");
        assertThat(other).isEqualTo(new Busy(HOST_A.withProgress(40, 100)));
        assertThat(b.tryAcquire("k2", HOST_B, LONG_TTL).block(WAIT)).isInstanceOf(Granted.class);
    }

    @Test
    void manyConcurrentAttemptsFromTwoClientsGrantExactlyOne() {
        RedisCluster a = cluster();
        RedisCluster b = cluster();
        List<Mono<Attempt>> attempts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            attempts.add((i % 2 == 0 ? a : b).tryAcquire("race", i % 2 == 0 ? HOST_A : HOST_B, LONG_TTL));
        }

        List<Attempt> outcomes = Flux.merge(attempts).collectList().block(WAIT);

        assertThat(outcomes).hasSize(32);
        assertThat(outcomes).filteredOn(Granted.class::isInstance).hasSize(1);
    }

    @Test
    void theLeaseIsAKeyWithATtlOnRedisAndAValueThatNeverShowsTheTokenToMessages() {
        RedisCluster a = cluster();
        Lease lease = granted(a.tryAcquire("k", HOST_A, Duration.ofSeconds(30)));

        long ttl = (Long) redis.command("PTTL", "cachet:lease:k");

        assertThat(ttl).isBetween(1L, 30_000L);
        assertThat(lease.toString()).doesNotContain(((String) redis.command("GET", "cachet:lease:k")).split("\n")[0]);
    }

    // ---- renewal and expiry ----

    @Test
    void renewingExtendsTheLeaseOnRedissClockAndPublishesProgress() {
        RedisCluster a = cluster();
        RedisCluster b = cluster();
        Lease lease = granted(a.tryAcquire("k", HOST_A, Duration.ofSeconds(2)));

        assertThat(lease.renew(Duration.ofMinutes(10), HOST_A.withProgress(50, 200))
                        .block(WAIT))
                .isTrue();

        assertThat((Long) redis.command("PTTL", "cachet:lease:k")).isGreaterThan(2_000L);
        assertThat(b.tryAcquire("k", HOST_B, LONG_TTL).block(WAIT)).isEqualTo(new Busy(HOST_A.withProgress(50, 200)));
    }

    @Test
    void aLiveHolderThatRenewsKeepsTheLeaseForManyTimesItsTtl() throws InterruptedException {
        RedisCluster a = cluster();
        RedisCluster b = cluster();
        Duration ttl = Duration.ofMillis(1_000);
        Lease lease = granted(a.tryAcquire("k", HOST_A, ttl));

        // Renew every 100 ms until at least three TTLs have passed: without renewal it would have
        // expired twice over. The outcome asserted is that nobody else ever got it.
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * ttl.toMillis());
        int rounds = 0;
        while (System.nanoTime() < end || rounds < 5) {
            assertThat(lease.renew(ttl, HOST_A.withProgress(rounds, 100)).block(WAIT))
                    .as("renewal %d", rounds)
                    .isTrue();
            assertThat(b.tryAcquire("k", HOST_B, ttl).block(WAIT)).isInstanceOf(Busy.class);
            rounds++;
            Thread.sleep(100);
        }
    }

    @Test
    void aHolderThatStopsRenewingLosesTheLeaseAndItsReleaseThenDeletesNothing() {
        RedisCluster a = cluster();
        RedisCluster b = cluster();
        RedisCluster c = cluster();
        Lease old = granted(a.tryAcquire("k", HOST_A, Duration.ofMillis(100)));

        // A stops renewing (as if cut off); B polls until Redis expires A's lease and B gets it.
        Lease taken = awaitGranted(b, "k", HOST_B);

        assertThat(old.renew(LONG_TTL, HOST_A).block(WAIT))
                .as("the old owner learns it lost the lease")
                .isFalse();
        old.release().block(WAIT);
        assertThat(c.tryAcquire("k", new Holder("host-c", 3, -1, -1), LONG_TTL).block(WAIT))
                .as("the old owner's release left the new owner's lease alone")
                .isEqualTo(new Busy(HOST_B));
        assertThat(taken.renew(LONG_TTL, HOST_B).block(WAIT)).isTrue();
    }

    @Test
    void releaseFreesTheLeaseForTheNextOwnerAndIsIdempotent() {
        RedisCluster a = cluster();
        RedisCluster b = cluster();
        Lease lease = granted(a.tryAcquire("k", HOST_A, LONG_TTL));

        lease.release().block(WAIT);
        lease.release().block(WAIT);

        assertThat(lease.renew(LONG_TTL, HOST_A).block(WAIT)).isFalse();
        assertThat(b.tryAcquire("k", HOST_B, LONG_TTL).block(WAIT)).isInstanceOf(Granted.class);
    }

    @Test
    void aValueWrittenBySomethingElseIsShownAsAnUnknownHolderAndNeverBroken() {
        RedisCluster a = cluster();
        redis.command("SET", "cachet:lease:k", "garbage without a token line");

        assertThat(a.tryAcquire("k", HOST_A, LONG_TTL).block(WAIT))
                .isEqualTo(new Busy(new Holder("unknown host", -1, -1, -1)));
        assertThat(redis.command("GET", "cachet:lease:k")).isEqualTo("garbage without a token line");
    }

    @Test
    void theKeyPrefixSeparatesCaches() {
        RedisCluster a = cluster(RedisCluster.Options.DEFAULTS.withKeyPrefix("one:"));
        RedisCluster b = cluster(RedisCluster.Options.DEFAULTS.withKeyPrefix("two:"));

        granted(a.tryAcquire("k", HOST_A, LONG_TTL));
        granted(b.tryAcquire("k", HOST_B, LONG_TTL));

        assertThat(redis.command("EXISTS", "one:lease:k")).isEqualTo(1L);
        assertThat(redis.command("EXISTS", "two:lease:k")).isEqualTo(1L);
    }

    // ---- release notifications ----

    @Test
    void aWaiterHearsTheReleaseOfTheLeaseItWaitsFor() throws InterruptedException {
        RedisCluster holder = cluster();
        RedisCluster waiter = cluster();
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        Disposable listening = waiter.releases("k").subscribe(heard::add);
        try {
            awaitSubscribers(1);
            Lease other = granted(holder.tryAcquire("other", HOST_A, LONG_TTL));
            Lease lease = granted(holder.tryAcquire("k", HOST_A, LONG_TTL));

            other.release().block(WAIT);
            lease.release().block(WAIT);

            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("k");
            lease.release().block(WAIT); // no longer the owner's: no second notification
            granted(holder.tryAcquire("k", HOST_A, LONG_TTL)).release().block(WAIT);
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("k");
            assertThat(heard).isEmpty();
        } finally {
            listening.dispose();
        }
    }

    // ---- Redis down ----

    @Test
    void redisKilledMidUseFailsFastAndClearlyAndWorksAgainAfterARestart() throws InterruptedException {
        RedisCluster a = cluster();
        RedisCluster waiter = cluster();
        BlockingQueue<String> heard = new LinkedBlockingQueue<>();
        Disposable listening = waiter.releases("k").subscribe(heard::add, e -> heard.add("error: " + e));
        try {
            awaitSubscribers(1);
            Lease lease = granted(a.tryAcquire("k", HOST_A, LONG_TTL));

            redis.kill();

            StepVerifier.create(lease.renew(LONG_TTL, HOST_A))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(RedisClusterException.class)
                            .hasMessageStartingWith("Redis at " + redis.uri() + ": could not renew the lease k")
                            .hasMessageContaining("check that redis-server is running"))
                    .verify(WAIT);
            StepVerifier.create(a.tryAcquire("k", HOST_A, LONG_TTL))
                    .expectError(RedisClusterException.class)
                    .verify(WAIT);

            redis.restart();

            // Lettuce reconnects in the background; the first attempt that gets through is granted,
            // since the restart lost every lease (nothing is persisted).
            Lease again = awaitGranted(a, "k", HOST_A);
            assertThat(lease.renew(LONG_TTL, HOST_A).block(WAIT))
                    .as("the lease from before the restart")
                    .isFalse();

            awaitSubscribers(1); // Lettuce subscribed again after reconnecting
            again.release().block(WAIT);
            assertThat(heard.poll(10, TimeUnit.SECONDS)).isEqualTo("k");
        } finally {
            listening.dispose();
        }
    }

    @Test
    void redisUnreachableAtStartFailsFastNamingTheServer() {
        int port = redis.port();
        redis.kill();
        RedisCluster a = cluster();

        StepVerifier.create(a.tryAcquire("k", HOST_A, LONG_TTL))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(RedisClusterException.class)
                        .hasMessageContaining("redis://127.0.0.1:" + port)
                        .hasMessageContaining("cannot connect"))
                .verify(WAIT);
        StepVerifier.create(a.releases("k"))
                .expectError(RedisClusterException.class)
                .verify(WAIT);

        redis.restart();
        awaitGranted(a, "k", HOST_A);
    }

    @Test
    void aPingAnswersWhileRedisRunsAndFailsClearlyWhenItDoesNot() {
        RedisCluster a = cluster();
        StepVerifier.create(a.ping()).verifyComplete();
        assertThat(redis.command("DBSIZE")).as("keys a ping left behind").isEqualTo(0L);

        redis.kill();

        StepVerifier.create(a.ping())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(RedisClusterException.class)
                        .hasMessageContaining("could not reach Redis")
                        .hasMessageContaining("check that redis-server is running"))
                .verify(WAIT);
    }

    @Test
    void callsCancelledWhileRedisHasNotAnsweredTheHandshakeLeaveNothingOpenAfterClose() throws Exception {
        // A server that accepts connections (the kernel does, from the backlog) and never answers:
        // Lettuce connects and waits for its handshake while the callers give up.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisCluster a = RedisCluster.connect(
                    URI.create("redis://127.0.0.1:" + silent.getLocalPort()),
                    RedisCluster.Options.DEFAULTS.withTimeouts(Duration.ofSeconds(5)));
            clusters.add(a);

            StepVerifier.create(a.ping().timeout(Duration.ofMillis(300)))
                    .expectError(TimeoutException.class)
                    .verify(WAIT);
            StepVerifier.create(a.releases("k").take(Duration.ofMillis(300))).verifyComplete();
        }
        // closeEveryClientAndCheckForLeaks: Lettuce's threads stop, and no buffer leaked.
    }

    @Test
    void aCallerGivingUpWhileRedisAnswersTheHandshakeLateLeavesNothingBehind() throws Exception {
        // Redis answers the handshake 600 ms late, after the first caller's 200 ms timeout: the
        // attempt given up mid-handshake must leave no buffer or thread behind, and the next call
        // must connect. (A Spring fleet test once reported a leaked buffer in this situation, when a
        // health check timed out while Lettuce connected; this reproduces the situation, not the leak.)
        try (LateRelay late = new LateRelay(redis.uri(), Duration.ofMillis(600))) {
            RedisCluster a = cluster(late.uri(), RedisCluster.Options.DEFAULTS.withTimeouts(Duration.ofSeconds(5)));

            StepVerifier.create(a.ping().timeout(Duration.ofMillis(200)))
                    .expectError(TimeoutException.class)
                    .verify(WAIT);
            Await.until("the late connection is made", () -> late.answered() >= 1);
            StepVerifier.create(a.ping()).verifyComplete();
        }
        // closeEveryClientAndCheckForLeaks: Lettuce's threads stop, and no buffer leaked.
    }

    @Test
    void badArgumentsAreRefusedWithTheRule() {
        assertThatThrownBy(() -> RedisCluster.connect(URI.create("http://127.0.0.1:6379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis://HOST:PORT");
        RedisCluster a = cluster();
        assertThatThrownBy(() -> a.tryAcquire("", HOST_A, LONG_TTL)).hasMessageContaining("a lease name is 1 to");
        assertThatThrownBy(() -> a.tryAcquire("k", HOST_A, Duration.ZERO)).hasMessageContaining("at least 1ms");
    }

    // ---- helpers ----

    private static Lease granted(Mono<Attempt> attempt) {
        Attempt outcome = attempt.block(WAIT);
        assertThat(outcome).isInstanceOf(Granted.class);
        return ((Granted) outcome).lease();
    }

    private static Lease awaitGranted(Cluster cluster, String name, Holder self) {
        Lease[] lease = new Lease[1];
        Await.until("the lease " + name + " is granted", () -> {
            Attempt outcome = cluster.tryAcquire(name, self, LONG_TTL)
                    .onErrorResume(e -> Mono.empty())
                    .block(WAIT);
            if (outcome instanceof Granted granted) {
                lease[0] = granted.lease();
                return true;
            }
            return false;
        });
        return lease[0];
    }

    private void awaitSubscribers(long n) {
        Await.until("a client listens on cachet:released", () -> {
            try {
                List<?> reply = (List<?>) redis.command("PUBSUB", "NUMSUB", "cachet:released");
                return (Long) reply.get(1) >= n;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }
}
