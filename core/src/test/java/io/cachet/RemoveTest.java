package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Sinks;

/** remove: a key's record goes under its lock; its blob goes only when nothing else names or holds it. */
@Timeout(60)
class RemoveTest {
    private static final byte[] BODY = Bytes.random(50_000, 41);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest A =
            FetchRequest.of("https://origin.test/a.bin").withSha256(SHA).withKey("a");
    private static final FetchRequest B =
            FetchRequest.of("https://origin.test/b.bin").withSha256(SHA).withKey("b");
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void removingOneOfTwoKeysSharingABlobKeepsTheBlobAndRemovingTheOtherDeletesIt() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path blob = cache.fetch(A).block(PROMPTLY).path();
        cache.fetch(B).block(PROMPTLY);

        Removal first = cache.remove(Key.of("a")).blockFirst(PROMPTLY);

        assertThat(first)
                .isEqualTo(
                        new Removal(Key.of("a"), Removal.Outcome.REMOVED, SHA, BODY.length, Removal.Blob.KEPT_SHARED));
        assertThat(blob).exists();
        assertThat(cache.entries().map(CacheEntry::key).collectList().block(PROMPTLY))
                .containsExactly(Key.of("b"));
        assertThat(cache.fetch(B).block(PROMPTLY).source()).isEqualTo(Artifact.Source.HIT);

        Removal second = cache.remove(Key.of("b")).blockFirst(PROMPTLY);
        assertThat(second.blob()).isEqualTo(Removal.Blob.DELETED);
        assertThat(blob).doesNotExist();
        assertThat(fixture.root().resolve("locks"))
                .as("the lock files of what was removed are collected")
                .isEmptyDirectory();
    }

    @Test
    void aKeyThatIsNotCachedIsSaidSoAndNothingIsTouched() {
        Cache cache = fixture.open();

        List<Removal> removals = cache.remove(
                        Key.of("nothing"), Key.of(java.net.URI.create("https://origin.test/none")))
                .collectList()
                .block(PROMPTLY);

        assertThat(removals).extracting(Removal::outcome).containsOnly(Removal.Outcome.NOT_CACHED);
        assertThat(removals).extracting(Removal::blob).containsOnly(Removal.Blob.NONE);
    }

    @Test
    void aKeyBeingFetchedIsBusyAndLeftAloneAndTheOthersAreStillRemoved() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        cache.fetch(A).block(PROMPTLY);
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(Bytes.random(1000, 42)).gate(gate.asMono()));
        var fetching = cache.fetch(FetchRequest.of("https://origin.test/c.bin").withKey("c"))
                .toFuture();
        Await.until("the fetch of c holds its key's lock", () -> fixture.origin.opens() == 2);

        List<Removal> removals =
                cache.remove(Key.of("c"), Key.of("a")).collectList().block(PROMPTLY);

        assertThat(removals)
                .extracting(Removal::outcome)
                .containsExactly(Removal.Outcome.BUSY, Removal.Outcome.REMOVED);
        gate.tryEmitEmpty();
        assertThat(fetching.join().source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(cache.entries().map(CacheEntry::key).collectList().block(PROMPTLY))
                .containsExactly(Key.of("c"));
    }

    @Test
    void aLeasedBlobOutlivesItsRemovedKeyUntilGcAfterTheLeaseCloses() {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path blob;
        try (ArtifactLease lease = cache.lease(A).block(PROMPTLY)) {
            blob = lease.path();
            Removal removal = cache.remove(Key.of("a")).blockFirst(PROMPTLY);

            assertThat(removal.outcome()).isEqualTo(Removal.Outcome.REMOVED);
            assertThat(removal.blob()).isEqualTo(Removal.Blob.KEPT_IN_USE);
            assertThat(blob).exists();
        }
        GcResult gc = cache.gc(0, Duration.ZERO).block(PROMPTLY);
        assertThat(gc.blobsRemoved()).isEqualTo(1);
        assertThat(blob).doesNotExist();
    }

    @Test
    void theNextFetchOfARemovedKeyDownloadsItAgainEvenAfterAHitWasRemembered() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        Cache cache = fixture.open();
        cache.fetch(A).block(PROMPTLY);
        cache.fetch(A).block(PROMPTLY); // A hit this process remembers.

        cache.remove(Key.of("a")).blockLast(PROMPTLY);
        Artifact again = cache.fetch(A).block(PROMPTLY);

        assertThat(again.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(again.path())).isEqualTo(BODY);
    }
}
