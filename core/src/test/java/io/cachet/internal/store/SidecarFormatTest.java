package io.cachet.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.spi.Validators;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sidecar's {@code ranges} field (docs/architecture.md, "Resume"), read as defensively as the rest. */
class SidecarFormatTest {
    private static final Store.Sidecar SIDECAR = Store.Sidecar.fresh("a".repeat(64), "https://o/x")
            .withResponse(new Validators("\"v1\"", null), 100_000_000);

    @Test
    void rangesSurviveAWriteAndARead() {
        Store.Sidecar written =
                SIDECAR.withRanges(List.of(new Store.Span(0, 8_388_608), new Store.Span(33_554_432, 41_943_040)));

        String text = RecordFiles.format(written);
        Store.Sidecar read = RecordFiles.sidecar(RecordText.parse(text, RecordFiles.SIDECAR_HEADER));

        assertThat(text).contains("ranges=0-8388608 33554432-41943040\n");
        assertThat(read).isEqualTo(written);
        assertThat(read.bytesIn(41_943_040)).isEqualTo(16_777_216);
    }

    @Test
    void aSidecarWithoutRangesCountsEveryByteOfItsPart() {
        Store.Sidecar read =
                RecordFiles.sidecar(RecordText.parse(RecordFiles.format(SIDECAR), RecordFiles.SIDECAR_HEADER));

        assertThat(read.ranges()).isEmpty();
        assertThat(read.bytesIn(12_345)).isEqualTo(12_345);
    }

    @Test
    void rangesOutOfOrderOverlappingOrMalformedMakeTheWholeSidecarUnreadable() {
        String good = RecordFiles.format(SIDECAR);
        for (String ranges : List.of("10-20 15-30", "30-40 10-20", "10-5", "x-10", "10", "-1-10")) {
            String text = good + "ranges=" + ranges + "\n";
            assertThat(RecordFiles.sidecar(RecordText.parse(text, RecordFiles.SIDECAR_HEADER)))
                    .as(ranges)
                    .isNull();
        }
    }

    @Test
    void onlyTheLargestRangesAreKeptSoThatASidecarStaysSmall() {
        List<Store.Span> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new Store.Span(i * 1000L, i * 1000L + 1 + i));
        }

        Store.Sidecar kept = SIDECAR.withRanges(many);

        assertThat(kept.ranges()).hasSize(Store.Sidecar.MAX_RANGES);
        assertThat(kept.ranges().get(0).start()).isEqualTo(36_000);
        assertThat(RecordFiles.format(kept).length()).isLessThan(RecordText.MAX_BYTES);
    }
}
