package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.FaultyDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * verify and gc take the locks of the keys naming a blob; they must give them back before they
 * complete, because callers (the CLI) close the cache right after, and a release queued behind
 * the close is rejected and strands the lock in this JVM.
 */
@Timeout(30)
class MaintenanceTest {
    private static final byte[] BODY = Bytes.random(100_000, 7);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private Artifact fetch(Cache cache) {
        return cache.fetch(FetchRequest.of("https://origin.test/m.bin").withSha256(SHA))
                .block(Duration.ofSeconds(10));
    }

    @Test
    void verifyQuarantinesACorruptBlobAndHasReleasedItsLocksWhenItCompletes() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path blob = fetch(cache).path();
        Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-------"));
        Files.write(blob, Bytes.flip(BODY, 10));

        AtomicInteger heldAtCompletion = new AtomicInteger(-1);
        List<BlobCheck> checks = cache.verify()
                .doOnComplete(() -> heldAtCompletion.set(((Engine) cache).locksHeld()))
                .collectList()
                .block(Duration.ofSeconds(10));

        assertThat(heldAtCompletion).hasValue(0);
        assertThat(checks).singleElement().satisfies(check -> {
            assertThat(check.intact()).isFalse();
            assertThat(check.quarantinedTo()).isNotNull().exists();
        });
        assertThat(blob).doesNotExist();
    }

    @Test
    void gcHasReleasedTheLocksOfWhatItEvictedWhenItCompletes() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path blob = fetch(cache).path();

        AtomicInteger heldAtResult = new AtomicInteger(-1);
        GcResult result = cache.gc(0, Duration.ZERO)
                .doOnNext(r -> heldAtResult.set(((Engine) cache).locksHeld()))
                .block(Duration.ofSeconds(10));

        assertThat(heldAtResult).hasValue(0);
        assertThat(result.blobsRemoved()).isEqualTo(1);
        assertThat(blob).doesNotExist();
        assertThat(fixture.root().resolve("locks"))
                .as("the lock files of the evicted key and blob are collected (deleted while held)")
                .isEmptyDirectory();
    }

    @Test
    void gcRunningBetweenACommitsBlobAndItsKeyRecordLeavesTheBlobAlone() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache other = fixture.open(); // Another process's gc, on the same directory.
        AtomicReference<GcResult> during = new AtomicReference<>();
        FaultyDisk disk = new FaultyDisk()
                .after(
                        FaultyDisk.Op.MOVE,
                        p -> p.toString().contains("/blobs/"),
                        p -> during.set(other.gc(1, Duration.ZERO).block(Duration.ofSeconds(10))));
        Cache cache = fixture.open(fixture.builder(), disk);

        Artifact artifact = fetch(cache);

        assertThat(during.get()).isNotNull();
        assertThat(during.get().blobsRemoved()).isZero();
        assertThat(artifact.path()).exists();
        assertThat(cache.entries().blockFirst().present()).isTrue();
    }

    @Test
    void gcRemovesTemporaryFilesWhoseWritersAreGoneAndKeepsThoseOfLiveOnes() throws Exception {
        Cache cache = fixture.open();
        long dead = deadPid();
        Path tmp = fixture.root().resolve("tmp");
        Path orphan = tmp.resolve("a".repeat(64) + "." + dead + "-00000000000000aa.new");
        Path live = tmp.resolve("b".repeat(64) + "." + ProcessHandle.current().pid() + "-00000000000000bb.new");
        Files.write(orphan, new byte[] {1});
        Files.write(live, new byte[] {2});

        GcResult result = cache.gc(Long.MAX_VALUE).block(Duration.ofSeconds(10));

        assertThat(orphan).doesNotExist();
        assertThat(live).exists();
        assertThat(result.partsRemoved()).isEqualTo(1);
        Files.delete(live);
    }

    @Test
    void gcNeverDeletesAPartWithoutSidecarWhoseWriterIsAlive() throws Exception {
        Cache cache = fixture.open();
        Process writer = new ProcessBuilder("sleep", "60").start(); // Stands in for a live writer elsewhere.
        try {
            Path part = fixture.root()
                    .resolve("tmp")
                    .resolve("c".repeat(64) + "." + writer.pid() + "-00000000000000cc.part");
            Files.write(part, new byte[1000]);

            cache.gc(Long.MAX_VALUE).block(Duration.ofSeconds(10));
            assertThat(part)
                    .as("its writer is alive: on a file system whose locks lie, it may be writing")
                    .exists();

            writer.destroyForcibly().waitFor();
            GcResult result = cache.gc(Long.MAX_VALUE).block(Duration.ofSeconds(10));
            assertThat(part).doesNotExist();
            assertThat(result.partsRemoved()).isEqualTo(1);
        } finally {
            writer.destroyForcibly();
        }
    }

    private static long deadPid() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        return gone.pid();
    }
}
