package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.store.Store;
import io.cachet.spi.Validators;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which part a download continues: pure, so every rule is shown on plain values. */
class ResumePlanTest {
    private static final String URI = "u".repeat(64);
    private static final Validators V1 = new Validators("\"v1\"", null);
    private static final Store.Owner GONE =
            new Store.Owner(Store.Owner.current().host(), Long.MAX_VALUE, 1);
    private static final Store.Owner ALIVE = new Store.Owner("another-host", 1, 1);

    private static Store.Part part(String unique, long size, Store.Owner owner, String uri, Validators v, long length) {
        Store.Sidecar sidecar = new Store.Sidecar(uri, "https://o/x", v, length, owner, 0, null, java.util.List.of());
        return new Store.Part(unique, Path.of("/c/tmp/" + unique + ".part"), sidecar, size);
    }

    @Test
    void theLargestAbandonedPartOfTheSameUriIsContinuedAndTheOtherAbandonedOnesDeleted() {
        Store.Part small = part("a", 100, GONE, URI, V1, 1000);
        Store.Part large = part("b", 700, GONE, URI, V1, 1000);
        Store.Part otherUri = part("c", 900, GONE, "x".repeat(64), V1, 1000);

        ResumePlan.Choice choice = ResumePlan.choose(List.of(small, large, otherUri), URI, false, -1);

        assertThat(choice.adopt()).isEqualTo(large);
        assertThat(choice.delete()).containsExactlyInAnyOrder(small, otherUri);
    }

    @Test
    void aPartWhoseWriterMayBeAliveIsNeitherContinuedNorDeleted() {
        Store.Part live = part("a", 500, ALIVE, URI, V1, 1000);

        ResumePlan.Choice choice = ResumePlan.choose(List.of(live), URI, false, -1);

        assertThat(choice.adopt()).isNull();
        assertThat(choice.delete()).isEmpty();
    }

    @Test
    void withoutValidatorsOnlyAPinnedRequestContinuesAPart() {
        Store.Part noValidators = part("a", 500, GONE, URI, Validators.NONE, 1000);

        assertThat(ResumePlan.choose(List.of(noValidators), URI, false, -1).adopt())
                .isNull();
        assertThat(ResumePlan.choose(List.of(noValidators), URI, true, -1).adopt())
                .isEqualTo(noValidators);
    }

    @Test
    void aPartLongerThanTheArtifactOrOfAnotherExpectedLengthIsDeleted() {
        Store.Part tooLong = part("a", 1200, GONE, URI, V1, 1000);
        Store.Part otherLength = part("b", 500, GONE, URI, V1, 2000);

        ResumePlan.Choice choice = ResumePlan.choose(List.of(tooLong, otherLength), URI, false, 1000);

        assertThat(choice.adopt()).isNull();
        assertThat(choice.delete()).containsExactlyInAnyOrder(tooLong, otherLength);
    }

    @Test
    void anEmptyPartIsDeletedRatherThanContinued() {
        Store.Part empty = part("a", 0, GONE, URI, V1, 1000);

        ResumePlan.Choice choice = ResumePlan.choose(List.of(empty), URI, false, -1);

        assertThat(choice.adopt()).isNull();
        assertThat(choice.delete()).containsExactly(empty);
    }

    // ---- parts written in parallel ranges ---------------------------------------------------------

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @Test
    void aPinnedPartWrittenInRangesKeepsEveryRecordedRangeAndHashesOnlyTheLeadingOne() throws Exception {
        byte[] bytes = io.cachet.testing.Bytes.random(1000, 1);
        Path file = java.nio.file.Files.write(dir.resolve("p.part"), bytes);
        Store.Sidecar sidecar = withRanges(new Store.Span(0, 300), new Store.Span(500, 800), new Store.Span(900, 1200));

        ResumePlan.Prefix kept = ResumePlan.verifiedPrefix(file, sidecar, true);

        assertThat(kept.length()).isEqualTo(300);
        assertThat(kept.digest().digest())
                .isEqualTo(io.cachet.testing.Bytes.digest().digest(java.util.Arrays.copyOf(bytes, 300)));
        assertThat(kept.beyond())
                .as("a range past the file's end is not kept")
                .containsExactly(new Store.Span(500, 800));
        assertThat(kept.end()).isEqualTo(800);
    }

    @Test
    void anUnpinnedPartWrittenInRangesKeepsOnlyItsCheckpointedPrefix() throws Exception {
        byte[] bytes = io.cachet.testing.Bytes.random(1000, 2);
        Path file = java.nio.file.Files.write(dir.resolve("p.part"), bytes);
        java.security.MessageDigest prefix = io.cachet.testing.Bytes.digest();
        prefix.update(bytes, 0, 200);
        Store.Sidecar sidecar = withRanges(new Store.Span(0, 300), new Store.Span(500, 800))
                .withCheckpoint(200, io.cachet.Sha256.of(prefix.digest()).hex());

        ResumePlan.Prefix kept = ResumePlan.verifiedPrefix(file, sidecar, false);

        assertThat(kept.length()).isEqualTo(200);
        assertThat(kept.beyond()).as("never hashed: nothing proves them").isEmpty();
        assertThat(kept.end()).isEqualTo(200);
    }

    @Test
    void aPartWrittenInRangesIsRankedByTheBytesItsRangesHoldNotByItsSize() {
        Store.Part sparse = new Store.Part(
                "a", Path.of("/c/tmp/a.part"), withRanges(new Store.Span(0, 100), new Store.Span(900, 1000)), 1000);
        Store.Part dense = part("b", 600, GONE, URI, V1, 1000);

        assertThat(ResumePlan.choose(List.of(sparse, dense), URI, true, -1).adopt())
                .isEqualTo(dense);
    }

    private static Store.Sidecar withRanges(Store.Span... ranges) {
        return new Store.Sidecar(URI, "https://o/x", V1, 1000, GONE, 0, null, List.of(ranges));
    }
}
