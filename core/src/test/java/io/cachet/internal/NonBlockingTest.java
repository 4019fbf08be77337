package io.cachet.internal;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.Sha256;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.FaultyDisk;
import io.cachet.testing.MemoryCluster;
import io.cachet.testing.MemoryTier;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * File-system calls block, so they run on the cache's I/O threads, never on
 * a thread that must not block (reactor's parallel threads, a transport's event loop). BlockHound is
 * installed for every test of this module by its JUnit Platform listener; the first test proves it.
 */
@Timeout(120)
class NonBlockingTest {
    private static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 51);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void blockHoundGuardsEveryTestOfThisModule() {
        Mono<String> sleepsOnAParallelThread = Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return "slept";
                })
                .subscribeOn(Schedulers.parallel());

        assertThatThrownBy(() -> sleepsOnAParallelThread.block(Duration.ofSeconds(30)))
                .hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    void stoppingAPeriodicCheckMayTakeItsTimersQueueLockAsReactorAllowsForOneShotTimers() {
        // A timer whose queue is always contended: removing a task parks, as a contended lock would.
        ScheduledThreadPoolExecutor contended = new ScheduledThreadPoolExecutor(1) {
            @Override
            public boolean remove(Runnable task) {
                LockSupport.parkNanos(1_000);
                return super.remove(task);
            }
        };
        contended.setRemoveOnCancelPolicy(true);
        Scheduler timer = Schedulers.fromExecutorService(contended);
        try {
            Disposable check = timer.schedulePeriodically(() -> {}, 1, 1, TimeUnit.HOURS);

            Mono<Boolean> stopped = Mono.fromCallable(() -> {
                        check.dispose();
                        return check.isDisposed();
                    })
                    .subscribeOn(Schedulers.parallel());

            assertThat(stopped.block(Duration.ofSeconds(30))).isTrue();
        } finally {
            timer.dispose();
        }
    }

    @Test
    void aDownloadWhoseBytesArriveOnNonBlockingThreadsDoesAllFileWorkOnIoThreads() {
        fixture.origin.enqueue(ok(BODY).on(Schedulers.parallel()));
        FaultyDisk disk = new FaultyDisk();
        Cache cache = fixture.open(fixture.builder(), disk);
        int openingCalls = disk.calls().size(); // build() sets the directory up on the caller's thread, by contract.

        Artifact artifact = cache.fetch(FetchRequest.of("https://origin.test/x").withSha256(SHA))
                .subscribeOn(Schedulers.parallel())
                .block(Duration.ofSeconds(30));

        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(disk.calls().subList(openingCalls, disk.calls().size()))
                .filteredOn(call -> call.op() != FaultyDisk.Op.WRITE) // Submitting an async write does not block.
                .isNotEmpty()
                .allSatisfy(call -> assertThat(call.thread())
                        .as(call.op() + " on " + call.path())
                        .startsWith("cachet-io-"));
        assertThat(disk.ops())
                .contains(
                        FaultyDisk.Op.FORCE, FaultyDisk.Op.MOVE, FaultyDisk.Op.SYNC_DIRECTORY, FaultyDisk.Op.TRY_LOCK);
    }

    @Test
    void theFleetsClientsAnsweringOnNonBlockingThreadsNeverMakeTheEngineBlockThere() {
        MemoryTier tier = new MemoryTier().answerOn(Schedulers.parallel());
        MemoryCluster cluster = new MemoryCluster().answerOn(Schedulers.parallel());
        byte[] other = Bytes.random(1024 * 1024, 52);
        tier.put(SHA, BODY);
        fixture.origin.enqueue(ok(other).on(Schedulers.parallel()));
        Cache cache = fixture.open(fixture.builder().tier(tier).cluster(cluster));

        Artifact fromTier = cache.fetch(FetchRequest.of("https://origin.test/a").withSha256(SHA))
                .subscribeOn(Schedulers.parallel())
                .block(Duration.ofSeconds(30));
        Artifact downloaded = cache.fetch(
                        FetchRequest.of("https://origin.test/b").withSha256(Bytes.sha256(other)))
                .subscribeOn(Schedulers.parallel())
                .block(Duration.ofSeconds(30));

        assertThat(fromTier.source()).isEqualTo(Artifact.Source.TIER);
        assertThat(downloaded.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(tier.holds(Bytes.sha256(other))).as("uploaded").isTrue();
        assertThat(cluster.held()).as("released").isEmpty();
    }

    @Test
    void aHitSubscribedFromANonBlockingThreadReadsTheStoreOnIoThreads() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/x").withSha256(SHA);
        cache.fetch(request).block(Duration.ofSeconds(30));

        Artifact hit = cache.fetch(request).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(30));

        assertThat(hit.source()).isEqualTo(Artifact.Source.HIT);
    }
}
