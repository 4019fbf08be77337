package io.cachet.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.StorageException;
import io.cachet.internal.fs.Disk;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Group commit: concurrent renames into one directory share one directory fsync. */
@Timeout(120)
class DirectorySyncTest {
    private static final Path DIR = Path.of("/cache/refs");
    private final Scheduler io = Schedulers.newBoundedElastic(4, 100, "sync-test");
    private final AtomicInteger syncs = new AtomicInteger();
    private final Semaphore allowed = new Semaphore(0);
    private final CountDownLatch firstStarted = new CountDownLatch(1);

    @AfterEach
    void stop() {
        io.dispose();
    }

    /** A disk whose directory syncs wait for permission, so a test can hold one "in progress". */
    private Disk heldSyncs(IOException failure) {
        return (Disk) Proxy.newProxyInstance(
                Disk.class.getClassLoader(), new Class<?>[] {Disk.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("syncDirectory")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    syncs.incrementAndGet();
                    firstStarted.countDown();
                    allowed.acquire();
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                });
    }

    @Test
    void requestsArrivingDuringASyncShareTheNextOneInsteadOfEachSyncing() throws Exception {
        DirectorySync sync = new DirectorySync(heldSyncs(null), io);

        CompletableFuture<Void> first = sync.sync(DIR).toFuture();
        assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> second = sync.sync(DIR).toFuture();
        CompletableFuture<Void> third = sync.sync(DIR).toFuture();
        assertThat(second)
                .as("a sync already running may have missed this caller's rename")
                .isNotDone();

        allowed.release();
        first.get(30, TimeUnit.SECONDS);
        assertThat(third).isNotDone();
        allowed.release();
        second.get(30, TimeUnit.SECONDS);
        third.get(30, TimeUnit.SECONDS);

        assertThat(syncs.get()).isEqualTo(2);
    }

    @Test
    void aFailedDirectorySyncFailsEveryCallerOfThatBatchWithAStorageException() {
        DirectorySync sync = new DirectorySync(heldSyncs(new IOException("Input/output error")), io);
        allowed.release(10);

        StepVerifier.create(sync.sync(DIR))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(StorageException.class)
                        .hasMessageContaining("sync the directory /cache/refs")
                        .hasMessageContaining("Input/output error"))
                .verify(Duration.ofSeconds(30));
    }
}
