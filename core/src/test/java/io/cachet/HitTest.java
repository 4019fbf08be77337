package io.cachet;

import static io.cachet.CacheEvent.Type.HIT;
import static io.cachet.testing.CacheDirectoryAssert.assertThatCache;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.FaultyDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** docs/architecture.md, "A content-addressed store" and "The commit is atomic and durable": a content-addressed store; verified once, trusted on hits. */
@Timeout(120)
class HitTest {
    private static final byte[] BODY = Bytes.random(300_000, 41);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void aHitTrustsTheVerifiedBlobWithoutReHashingIt() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/a").withSha256(SHA);
        Path blob = cache.fetch(request).block(Duration.ofSeconds(30)).path();
        rewriteInPlace(blob, Bytes.flip(BODY, 10)); // Same size, other bytes: only a re-hash could tell.

        Artifact hit = cache.fetch(request).block(Duration.ofSeconds(30));

        assertThat(hit.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(fixture.origin.opens()).isEqualTo(1);
        rewriteInPlace(blob, BODY); // Leave the store sound for the audit.
    }

    @Test
    void aBlobOfTheWrongSizeIsNoHitAndIsReplacedByAVerifiedDownload() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/a").withSha256(SHA);
        Path blob = cache.fetch(request).block(Duration.ofSeconds(30)).path();
        rewriteInPlace(blob, java.util.Arrays.copyOf(BODY, 1000)); // Truncated, as after a crash without fsync.

        Artifact again = cache.fetch(request).block(Duration.ofSeconds(30));

        assertThat(again.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(again.path())).isEqualTo(BODY);
    }

    @Test
    void twoKeysWithTheSameBytesShareOneBlobAndTheSecondIsAHit() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Artifact first = cache.fetch(
                        FetchRequest.of("https://origin.test/a").withSha256(SHA).withKey("model-a"))
                .block(Duration.ofSeconds(30));
        EventRecorder events = fixture.record(cache);

        Artifact second = cache.fetch(
                        FetchRequest.of("https://mirror.test/b").withSha256(SHA).withKey("model-b"))
                .block(Duration.ofSeconds(30));

        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(second.path()).isEqualTo(first.path());
        assertThat(second.key()).isEqualTo(Key.of("model-b"));
        assertThat(fixture.origin.opens()).isEqualTo(1);
        assertThat(events.types()).containsExactly(HIT);
        assertThat(cache.entries().map(CacheEntry::key).collectList().block())
                .containsExactlyInAnyOrder(Key.of("model-a"), Key.of("model-b"));
        assertThatCache(fixture.root()).hasBlobCount(1).hasBlob(SHA);
    }

    @Test
    void anUnpinnedRequestRecordsAndReportsTheComputedDigestAndLaterHits() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        FetchRequest unpinned = FetchRequest.of("https://origin.test/latest.bin");

        Artifact first = cache.fetch(unpinned).block(Duration.ofSeconds(30));
        Artifact second = cache.fetch(unpinned).block(Duration.ofSeconds(30));

        assertThat(first.sha256()).isEqualTo(SHA);
        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(second.sha256()).isEqualTo(SHA);
        CacheEntry entry = cache.entries().blockFirst();
        assertThat(entry.pinned()).isFalse();
        assertThat(entry.key()).isEqualTo(Key.of(java.net.URI.create("https://origin.test/latest.bin")));
        assertThat(entry.sha256()).isEqualTo(SHA);
    }

    @Test
    void aPinnedRequestForAKeyThatNowNamesOtherBytesDownloadsThemAndMovesTheKey() {
        byte[] v2 = Bytes.random(200_000, 42);
        fixture.origin.enqueue(ok(BODY), ok(v2));
        Cache cache = fixture.open();
        cache.fetch(FetchRequest.of("https://origin.test/m").withKey("model")).block(Duration.ofSeconds(30));

        Artifact updated = cache.fetch(FetchRequest.of("https://origin.test/m")
                        .withKey("model")
                        .withSha256(Bytes.sha256(v2)))
                .block(Duration.ofSeconds(30));

        assertThat(updated.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(updated.sha256()).isEqualTo(Bytes.sha256(v2));
        CacheEntry entry = cache.entries().blockFirst();
        assertThat(entry.sha256()).isEqualTo(Bytes.sha256(v2));
        assertThat(entry.pinned()).isTrue();
    }

    @Test
    void aRepeatedHitIsServedFromMemoryOnlyWhileTheKeyRecordAndBlobAreUnchanged() throws Exception {
        byte[] v2 = Bytes.random(100_000, 43);
        fixture.origin.enqueue(ok(BODY), ok(v2));
        Cache mine = fixture.open();
        Cache other = fixture.open(); // Another cache on the directory, as another process would be.
        FetchRequest latest = FetchRequest.of("https://origin.test/m").withKey("model");
        mine.fetch(latest).block(Duration.ofSeconds(30));
        assertThat(mine.fetch(latest).block(Duration.ofSeconds(30)).sha256()).isEqualTo(SHA);

        other.fetch(latest.withSha256(Bytes.sha256(v2))).block(Duration.ofSeconds(30)); // Re-points the key.

        assertThat(mine.fetch(latest).block(Duration.ofSeconds(30)).sha256())
                .as("the re-pointed key record is read again")
                .isEqualTo(Bytes.sha256(v2));
    }

    @Test
    void aRepeatedHitWhoseBlobWasEvictedDownloadsAgain() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/a").withSha256(SHA);
        Path blob = cache.fetch(request).block(Duration.ofSeconds(30)).path();
        cache.fetch(request).block(Duration.ofSeconds(30));
        Files.delete(blob);

        Artifact again = cache.fetch(request).block(Duration.ofSeconds(30));

        assertThat(again.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(fixture.origin.opens()).isEqualTo(2);
    }

    @Test
    void aPinnedRequestUnderANewKeyNeverAcceptsATruncatedBlobOfItsDigest() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        Path blob = cache.fetch(
                        FetchRequest.of("https://origin.test/a").withSha256(SHA).withKey("first"))
                .block(Duration.ofSeconds(30))
                .path();
        rewriteInPlace(blob, java.util.Arrays.copyOf(BODY, 1000)); // Truncated, as after a crash without fsync.

        Artifact second = cache.fetch(
                        FetchRequest.of("https://origin.test/a").withSha256(SHA).withKey("second"))
                .block(Duration.ofSeconds(30));

        assertThat(second.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(second.size()).isEqualTo(BODY.length);
        assertThat(Files.readAllBytes(second.path())).isEqualTo(BODY);
        assertThat(cache.entries()
                        .filter(e -> e.key().equals(Key.of("second")))
                        .blockFirst()
                        .size())
                .isEqualTo(BODY.length);
    }

    @Test
    void aPinnedRequestUnderANewKeyReusesAnIntactBlobWhoseSizeItDoesNotKnow() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        cache.fetch(FetchRequest.of("https://origin.test/a").withSha256(SHA).withKey("first"))
                .block(Duration.ofSeconds(30));

        Artifact second = cache.fetch(
                        FetchRequest.of("https://origin.test/a").withSha256(SHA).withKey("second"))
                .block(Duration.ofSeconds(30));

        assertThat(second.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(second.size()).isEqualTo(BODY.length);
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void anUnpinnedKeyRecordedFromAnotherUrlIsRefusedNamingBothUrlsAndAPinnedOneIsServed() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        cache.fetch(FetchRequest.of("https://origin.test/v1.bin").withKey("model"))
                .block(Duration.ofSeconds(30));

        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                () -> cache.fetch(FetchRequest.of("https://origin.test/v2.bin?token=secret")
                                .withKey("model"))
                        .block(Duration.ofSeconds(30)));

        assertThat(refused)
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("https://origin.test/v1.bin")
                .hasMessageContaining("https://origin.test/v2.bin?...")
                .hasMessageContaining("pin the digest")
                .hasMessageNotContaining("secret");
        assertThat(fixture.origin.opens()).as("no bytes from another URL").isEqualTo(1);
        Artifact pinned = cache.fetch(FetchRequest.of("https://origin.test/v2.bin")
                        .withKey("model")
                        .withSha256(SHA))
                .block(Duration.ofSeconds(30));
        assertThat(pinned.source()).isEqualTo(Artifact.Source.HIT);
    }

    @Test
    void urlsThatDifferOnlyInHowTheirQueryIsEscapedAreDifferentArtifacts() {
        byte[] other = Bytes.random(1000, 44);
        fixture.origin.enqueue(ok(BODY), ok(other));
        Cache cache = fixture.open();

        Artifact escaped =
                cache.fetch(FetchRequest.of("https://origin.test/q?a=1%26b=2")).block(Duration.ofSeconds(30));
        Artifact plain =
                cache.fetch(FetchRequest.of("https://origin.test/q?a=1&b=2")).block(Duration.ofSeconds(30));

        assertThat(escaped.sha256()).isEqualTo(SHA);
        assertThat(plain.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(plain.sha256()).isEqualTo(Bytes.sha256(other));
    }

    @Test
    void aVerifiedBlobIsServedWhenItsRecordCannotBeUpdated() {
        fixture.origin.enqueue(ok(BODY));
        fixture.open().fetch(FetchRequest.of("https://origin.test/a")).block(Duration.ofSeconds(30)); // Unpinned.
        FaultyDisk disk = new FaultyDisk()
                .fail(
                        FaultyDisk.Op.MOVE,
                        p -> p.getParent().getFileName().toString().equals("refs"),
                        new java.io.IOException("Read-only file system"));
        Cache cache = fixture.open(fixture.builder(), disk); // As another process, with refs/ read-only.

        Artifact pinned = cache.fetch(FetchRequest.of("https://origin.test/a").withSha256(SHA))
                .block(Duration.ofSeconds(30));

        assertThat(pinned.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(pinned.sha256()).isEqualTo(SHA);
    }

    @Test
    void aHitAskedToBeVerifiedIsReHashedAndABlobChangedInPlaceIsQuarantinedAndDownloadedAgain() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        FetchRequest request = FetchRequest.of("https://origin.test/a").withSha256(SHA);
        Path blob = cache.fetch(request).block(Duration.ofSeconds(30)).path();
        assertThat(cache.fetch(request.withVerifyHit(true))
                        .block(Duration.ofSeconds(30))
                        .source())
                .isEqualTo(Artifact.Source.HIT);
        rewriteInPlace(blob, Bytes.flip(BODY, 10)); // Same size: only a re-hash can tell.

        Artifact again = cache.fetch(request.withVerifyHit(true)).block(Duration.ofSeconds(30));

        assertThat(again.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(again.path())).isEqualTo(BODY);
        try (Stream<Path> quarantined = Files.list(fixture.root().resolve("quarantine"))) {
            assertThat(quarantined).hasSize(1);
        }
    }

    private static void rewriteInPlace(Path blob, byte[] bytes) throws Exception {
        blob.toFile().setWritable(true);
        Files.write(blob, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        Files.setAttribute(blob, "unix:mode", 0444);
    }
}
