package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The automatic size cap and the minimum age: eviction after commits, in the background, down to
 * the cap but never below what is young, leased or being written; tmp/ and quarantine/ count.
 */
@Timeout(60)
class SizeCapTest {
    private static final int SIZE = 100_000;
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private static FetchRequest request(String name, byte[] body) {
        return FetchRequest.of("https://origin.test/" + name)
                .withSha256(Bytes.sha256(body))
                .withKey(name);
    }

    @Test
    void commitsPastTheCapEvictTheLeastRecentlyUsedInTheBackgroundAndSaySo() throws Exception {
        byte[] a = Bytes.random(SIZE, 1);
        byte[] b = Bytes.random(SIZE, 2);
        byte[] c = Bytes.random(SIZE, 3);
        fixture.origin.enqueue(ok(a), ok(b), ok(c));
        Cache cache =
                fixture.open(fixture.builder().maxSize(2 * SIZE + SIZE / 2).evictionMinAge(Duration.ZERO));
        EventRecorder events = fixture.record(cache);

        Path oldest = cache.fetch(request("a", a)).block(PROMPTLY).path();
        cache.fetch(request("b", b)).block(PROMPTLY);
        Path newest = cache.fetch(request("c", c)).block(PROMPTLY).path();

        Await.until(
                "the automatic eviction ran",
                () -> !events.of(CacheEvent.Evicted.class).isEmpty());
        assertThat(events.of(CacheEvent.Evicted.class))
                .singleElement()
                .isEqualTo(new CacheEvent.Evicted(Key.of("a"), Bytes.sha256(a), SIZE, true));
        assertThat(oldest).doesNotExist();
        assertThat(newest).exists();
        assertThat(cache.entries().count().block(PROMPTLY)).isEqualTo(2);
    }

    @Test
    void theCapNeverEvictsWhatIsLeasedNorWhatIsYoungerThanTheMinimumAge() {
        byte[] a = Bytes.random(SIZE, 4);
        byte[] b = Bytes.random(SIZE, 5);
        fixture.origin.enqueue(ok(a), ok(b));
        Cache young = fixture.open(fixture.builder().maxSize(0));
        Path kept = young.fetch(request("a", a)).block(PROMPTLY).path();
        young.close(); // Runs the eviction still due: nothing is old enough.
        assertThat(kept).as("used less than the default minimum age ago").exists();

        Cache cache = fixture.open(fixture.builder().maxSize(0).evictionMinAge(Duration.ZERO));
        EventRecorder events = fixture.record(cache);
        try (ArtifactLease lease = cache.lease(request("a", a)).block(PROMPTLY)) {
            cache.fetch(request("b", b)).block(PROMPTLY);

            Await.until(
                    "the automatic eviction ran",
                    () -> !events.of(CacheEvent.Evicted.class).isEmpty());
            assertThat(events.of(CacheEvent.Evicted.class))
                    .extracting(CacheEvent::key)
                    .containsExactly(Key.of("b"));
            assertThat(lease.path()).exists();
        }
    }

    @Test
    void closingRightAfterACommitLeavesTheCacheWithinTheCap() {
        byte[] a = Bytes.random(SIZE, 6);
        fixture.origin.enqueue(ok(a));
        Cache cache = fixture.open(fixture.builder().maxSize(SIZE / 2).evictionMinAge(Duration.ZERO));
        Path blob = cache.fetch(request("a", a)).block(PROMPTLY).path();
        Await.until("the fetch let go of the key's lock", () -> ((Engine) cache).locksHeld() == 0);

        cache.close();

        assertThat(blob).doesNotExist();
    }

    @Test
    void partFilesAndQuarantineCountAgainstTheCapAndQuarantineOlderThanAWeekIsDeleted() throws Exception {
        byte[] a = Bytes.random(SIZE, 7);
        fixture.origin.enqueue(ok(a));
        Cache cache = fixture.open(fixture.builder().evictionMinAge(Duration.ZERO));
        Path blob = cache.fetch(request("a", a)).block(PROMPTLY).path();
        Path quarantine = Files.createDirectories(fixture.root().resolve("quarantine"));
        long now = Instant.now().toEpochMilli();
        Path recent = Files.write(quarantine.resolve("c".repeat(64) + "." + now), new byte[SIZE]);
        Path expired = Files.write(
                quarantine.resolve(
                        "d".repeat(64) + "." + (now - Duration.ofDays(8).toMillis())),
                new byte[SIZE]);
        Process writer = new ProcessBuilder("sleep", "60").start(); // Stands in for a live downloader elsewhere.
        Path live =
                fixture.root().resolve("tmp").resolve("e".repeat(64) + "." + writer.pid() + "-00000000000000ee.part");
        Files.write(live, new byte[SIZE]);
        try {
            GcResult result = cache.gc(2 * SIZE + SIZE / 2).block(PROMPTLY);

            assertThat(expired).doesNotExist();
            assertThat(recent).exists();
            assertThat(result.quarantineRemoved()).isEqualTo(1);
            assertThat(blob)
                    .as("the recent quarantine and a live download left no room for it")
                    .doesNotExist();
            assertThat(result.blobsRemoved()).isEqualTo(1);
            assertThat(result.bytesRemaining()).isEqualTo(2L * SIZE);
            assertThat(result.bytesFreed()).isEqualTo(2L * SIZE);
        } finally {
            writer.destroyForcibly().waitFor();
            Files.delete(live);
        }
    }
}
