package io.cachet;

import static io.cachet.CacheEvent.Type.FAILED;
import static io.cachet.CacheEvent.Type.STARTED;
import static io.cachet.testing.CacheDirectoryAssert.assertThatCache;
import static io.cachet.testing.Failures.failure;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Nothing unverified is ever committed, and integrity failures are never retried in a loop. */
@Timeout(120)
class IntegrityTest {
    private static final byte[] BODY = Bytes.random(1024 * 1024 + 3, 31);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/weights.bin").withSha256(SHA);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void wrongBytesFailWithBothDigestsAndSizesAndCommitNothing() throws Exception {
        byte[] corrupt = Bytes.flip(BODY, 500_000);
        fixture.origin.enqueue(ok(corrupt));
        Cache cache = fixture.open();
        EventRecorder events = fixture.record(cache);

        IntegrityException error =
                failure(cache.fetch(REQUEST.withSize(BODY.length)).toFuture(), IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.DIGEST_MISMATCH);
        assertThat(error.expectedSha256()).isEqualTo(SHA);
        assertThat(error.actualSha256()).isEqualTo(Bytes.sha256(corrupt));
        assertThat(error.expectedSize()).isEqualTo(BODY.length);
        assertThat(error.actualSize()).isEqualTo(BODY.length);
        assertThat(error.getMessage())
                .startsWith("integrity check failed for https://origin.test/weights.bin: expected SHA-256 ")
                .contains(SHA.hex())
                .contains(Bytes.sha256(corrupt).hex())
                .contains("Nothing was committed")
                .contains("Check that the expected digest");
        assertThat(error.isTransient()).isFalse();
        assertThat(fixture.origin.opens()).as("never retried").isEqualTo(1);
        assertThatCache(fixture.root()).hasNoBlobs();
        assertThat(events.distinctTypes()).startsWith(STARTED).endsWith(FAILED);
        assertThat(events.of(CacheEvent.Failed.class).get(0).error()).isSameAs(error);
    }

    @Test
    void theMessageNamesAChosenKeyAndTheUrlItCameFrom() throws Exception {
        fixture.origin.enqueue(ok(Bytes.flip(BODY, 7)));
        Cache cache = fixture.open();

        IntegrityException error =
                failure(cache.fetch(REQUEST.withKey("weights-v2")).toFuture(), IntegrityException.class);

        assertThat(error.getMessage())
                .startsWith("integrity check failed for weights-v2 from https://origin.test/weights.bin: ");
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    @Test
    void aBodyLongerThanTheExpectedSizeIsCutOffWithoutReadingTheRest() throws Exception {
        byte[] huge = Bytes.random(8 * 1024 * 1024, 32);
        fixture.origin.enqueue(ok(huge).declaredLength(-1));
        Cache cache = fixture.open();

        IntegrityException error = failure(
                cache.fetch(FetchRequest.of("https://origin.test/x").withSize(100_000))
                        .toFuture(),
                IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE);
        assertThat(error.expectedSize()).isEqualTo(100_000);
        assertThat(fixture.origin.bytesSent())
                .as("at most one chunk past the limit")
                .isLessThanOrEqualTo(100_000 + 8192);
        assertThat(fixture.origin.bodyCancels()).isEqualTo(1);
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    @Test
    void aDeclaredLengthLargerThanExpectedFailsBeforeAnyByteIsWritten() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();

        IntegrityException error = failure(cache.fetch(REQUEST.withSize(1000)).toFuture(), IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE);
        assertThat(error.actualSize()).isEqualTo(BODY.length);
        assertThat(error).hasMessageContaining("expected 1000 bytes");
        assertThat(fixture.origin.bytesSent()).isZero();
    }

    @Test
    void aBodyShorterThanTheExpectedSizeIsASizeMismatch() throws Exception {
        fixture.origin.enqueue(ok(BODY).declaredLength(-1));
        Cache cache = fixture.open();

        IntegrityException error = failure(
                cache.fetch(FetchRequest.of("https://origin.test/x").withSize(BODY.length + 10))
                        .toFuture(),
                IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.SIZE_MISMATCH);
        assertThat(error.actualSize()).isEqualTo(BODY.length);
        assertThat(error.actualSha256()).isEqualTo(SHA);
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    @Test
    void aBodyLargerThanTheMaximumArtifactSizeIsCutOff() throws Exception {
        fixture.origin.enqueue(ok(BODY).declaredLength(-1));
        Cache cache = fixture.open(fixture.builder().maxArtifactSize(64 * 1024));

        IntegrityException error =
                failure(cache.fetch(FetchRequest.of("https://origin.test/x")).toFuture(), IntegrityException.class);

        assertThat(error.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE);
        assertThatCache(fixture.root()).hasNoBlobs();
    }
}
