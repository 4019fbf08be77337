package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.FaultyDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases: eviction never deletes what a caller holds, and everyone else who uses the bytes goes on. */
@Timeout(60)
class LeaseTest {
    private static final byte[] BODY = Bytes.random(100_000, 21);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/model.bin").withSha256(SHA);
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void aLeasedArtifactSurvivesGcAndGoesOnceTheLeaseCloses() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Cache other = fixture.open(); // Another cache on the directory: as another process would, it shares nothing.

        ArtifactLease lease = cache.lease(REQUEST).block(PROMPTLY);
        GcResult held = other.gc(0, Duration.ZERO).block(PROMPTLY);

        assertThat(held.blobsRemoved()).isZero();
        assertThat(held.busySkipped()).isEqualTo(1);
        assertThat(lease.path()).exists();
        assertThat(Bytes.sha256(read(lease.path()))).isEqualTo(SHA);

        lease.close();
        lease.close(); // Idempotent.
        GcResult freed = other.gc(0, Duration.ZERO).block(PROMPTLY);
        assertThat(freed.blobsRemoved()).isEqualTo(1);
        assertThat(lease.path()).doesNotExist();
    }

    @Test
    void leasesOfOneArtifactHoldItTogetherUntilTheLastOneCloses() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        ArtifactLease first = cache.lease(REQUEST).block(PROMPTLY);
        ArtifactLease second = cache.lease(REQUEST.withKey("same-bytes")).block(PROMPTLY);
        assertThat(second.path()).isEqualTo(first.path());

        first.close();
        assertThat(cache.gc(0, Duration.ZERO).block(PROMPTLY).blobsRemoved()).isZero();

        second.close();
        assertThat(cache.gc(0, Duration.ZERO).block(PROMPTLY).blobsRemoved()).isEqualTo(1);
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void anotherKeyNamesALeasedBlobWithoutWaitingForTheLease() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        try (ArtifactLease lease = cache.lease(REQUEST).block(PROMPTLY)) {
            Artifact reused = fixture.open()
                    .fetch(FetchRequest.of("https://mirror.test/m.bin")
                            .withSha256(SHA)
                            .withKey("copy"))
                    .block(PROMPTLY);

            assertThat(reused.path()).isEqualTo(lease.path());
        }
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void anArtifactEvictedBetweenItsFetchAndItsLockIsFetchedAgainForTheLease() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        FaultyDisk disk = new FaultyDisk()
                .after(FaultyDisk.Op.OPEN_LOCK, p -> p.getFileName().toString().startsWith("blob-"), lock -> {
                    // Another process's gc deletes the blob right then (the lease's lock is not taken yet).
                    Path blob =
                            fixture.root().resolve("blobs/sha256/" + SHA.hex().substring(0, 2) + "/" + SHA.hex());
                    Files.delete(blob);
                });
        Engine cache = fixture.open(fixture.builder(), disk);

        try (ArtifactLease lease = cache.lease(REQUEST).block(PROMPTLY)) {
            assertThat(Bytes.sha256(read(lease.path()))).isEqualTo(SHA);
        }
        assertThat(fixture.origin.opens()).isEqualTo(2);
    }

    @Test
    void aDamagedLeasedBlobAskedToBeVerifiedIsReplacedByRenameAndItsHolderKeepsWhatItOpened() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        try (ArtifactLease lease = cache.lease(REQUEST).block(PROMPTLY)) {
            Path blob = lease.path();
            blob.toFile().setWritable(true);
            Files.write(blob, Bytes.flip(BODY, 7));
            Object damagedInode = Files.getAttribute(blob, "unix:ino");

            Artifact verified = cache.fetch(REQUEST.withVerifyHit(true)).block(PROMPTLY);

            assertThat(verified.source()).isEqualTo(Artifact.Source.DOWNLOADED);
            assertThat(Bytes.sha256(read(blob))).isEqualTo(SHA);
            assertThat(Files.getAttribute(blob, "unix:ino")).isNotEqualTo(damagedInode);
            assertThat(fixture.root().resolve("quarantine"))
                    .as("a leased blob is not moved from under its holder")
                    .doesNotExist();
        }
    }

    @Test
    void closingTheCacheEndsItsLeases() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        ArtifactLease lease = cache.lease(REQUEST).block(PROMPTLY);

        cache.close();

        assertThat(fixture.open().gc(0, Duration.ZERO).block(PROMPTLY).blobsRemoved())
                .isEqualTo(1);
        lease.close(); // Harmless after the cache closed.
        assertThat(lease.path()).doesNotExist();
    }

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
