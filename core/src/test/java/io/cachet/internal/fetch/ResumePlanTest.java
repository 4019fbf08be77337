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
        Store.Sidecar sidecar = new Store.Sidecar(uri, "https://o/x", v, length, owner, 0, null);
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
}
