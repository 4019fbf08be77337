package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.store.Store;
import org.junit.jupiter.api.Test;

class SpansTest {
    @Test
    void addedSpansMergeWhenTheyTouchOrOverlap() {
        Spans spans = new Spans();
        spans.add(10, 20);
        spans.add(30, 40);
        spans.add(20, 25);
        spans.add(35, 50);

        assertThat(spans.list()).containsExactly(new Store.Span(10, 25), new Store.Span(30, 50));
        assertThat(spans.total()).isEqualTo(35);
        spans.add(0, 60);
        assertThat(spans.list()).containsExactly(new Store.Span(0, 60));
    }

    @Test
    void removingCutsSpans() {
        Spans spans = new Spans();
        spans.add(0, 100);
        spans.remove(10, 20);
        spans.remove(90, 120);

        assertThat(spans.list()).containsExactly(new Store.Span(0, 10), new Store.Span(20, 90));
        assertThat(spans.covers(20, 90)).isTrue();
        assertThat(spans.covers(5, 15)).isFalse();
        assertThat(spans.contiguousFrom(25)).isEqualTo(90);
        assertThat(spans.contiguousFrom(15)).isEqualTo(15);
    }

    @Test
    void whatIsMissingOfALength() {
        Spans spans = new Spans();
        spans.add(10, 20);
        spans.add(30, 40);

        assertThat(spans.missing(50))
                .containsExactly(new Store.Span(0, 10), new Store.Span(20, 30), new Store.Span(40, 50));
        assertThat(new Spans().missing(5)).containsExactly(new Store.Span(0, 5));
    }
}
