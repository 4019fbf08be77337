package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.store.Store;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/architecture.md, "Parallel ranges": which connection fetches what, without I/O. */
class RangePlanTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void aNewConnectionTakesThePieceAfterTheOneTheRunningRangeKeepsAndTheRestIsHandedOutInOrder() {
        RangePlan plan = new RangePlan(64 * MIB, new Spans(), MIB, 8 * MIB);
        plan.assign(0, 64 * MIB);
        Running first = new Running(0, 64 * MIB, 10);
        first.position = 3 * MIB;

        Store.Span second = plan.next(List.of(first), 0);
        first.flowing = false; // So that only the bytes nobody fetches are left to hand out.
        Store.Span third = plan.next(List.of(first), 0);

        assertThat(first.end).as("the running range keeps a piece").isEqualTo(11 * MIB);
        assertThat(second).isEqualTo(new Store.Span(11 * MIB, 19 * MIB));
        assertThat(third).isEqualTo(new Store.Span(19 * MIB, 27 * MIB));
    }

    @Test
    void aPieceDoesNotLeaveARestSmallerThanARangeBehind() {
        RangePlan plan = new RangePlan(16 * MIB + 512 * 1024, new Spans(), MIB, 8 * MIB);

        assertThat(plan.next(List.of(), 0)).isEqualTo(new Store.Span(0, 8 * MIB));
        assertThat(plan.next(List.of(), 0)).isEqualTo(new Store.Span(8 * MIB, 16 * MIB + 512 * 1024));
        assertThat(plan.next(List.of(), 0)).isNull();
    }

    @Test
    void piecesAreAFewPerConnectionWithinBounds() {
        assertThat(RangePlan.pieceFor(1024 * MIB, 8, MIB)).isEqualTo(32 * MIB);
        assertThat(RangePlan.pieceFor(100 * MIB, 8, MIB))
                .as("at least 16 ranges")
                .isEqualTo(16 * MIB);
        assertThat(RangePlan.pieceFor(64 * 1024 * MIB, 8, MIB)).as("at most").isEqualTo(64 * MIB);
        assertThat(RangePlan.pieceFor(1000 * MIB + 1, 4, MIB) % RangePlan.ALIGN).isZero();
    }

    @Test
    void whenNoRangeHasTwoPiecesLeftANewConnectionTakesTheBackHalfOfTheWidest() {
        RangePlan plan = new RangePlan(64 * MIB, new Spans(), MIB, 32 * MIB);
        plan.assign(0, 64 * MIB);
        Running first = new Running(0, 64 * MIB, 10);

        Store.Span next = plan.next(List.of(first), 0);

        assertThat(next).isEqualTo(new Store.Span(32 * MIB, 64 * MIB));
        assertThat(first.end)
                .as("the running range now stops where the new one starts")
                .isEqualTo(next.start());
    }

    @Test
    void bytesNobodyFetchesComeFirstLowestFirst() {
        Spans onDisk = new Spans();
        onDisk.add(0, 10 * MIB);
        onDisk.add(20 * MIB, 30 * MIB);
        RangePlan plan = new RangePlan(40 * MIB, onDisk, MIB, 40 * MIB);

        assertThat(plan.next(List.of(), 0)).isEqualTo(new Store.Span(10 * MIB, 20 * MIB));
        assertThat(plan.next(List.of(), 0)).isEqualTo(new Store.Span(30 * MIB, 40 * MIB));
        assertThat(plan.next(List.of(), 0)).isNull();
    }

    @Test
    void aRangeIsNotSplitIntoPiecesSmallerThanTheMinimum() {
        RangePlan plan = new RangePlan(3 * MIB, new Spans(), 2 * MIB, 3 * MIB);
        plan.assign(0, 3 * MIB);
        Running only = new Running(0, 3 * MIB, 10);

        assertThat(plan.next(List.of(only), 0))
                .as("a new connection, of no known speed")
                .isNull();
        assertThat(only.end).isEqualTo(3 * MIB);
    }

    @Test
    void atTheEndAConnectionAtLeastTwiceAsFastTakesOverAllThatIsLeftOfASlowOne() {
        RangePlan plan = new RangePlan(4 * MIB, new Spans(), 2 * MIB, 4 * MIB);
        plan.assign(0, 4 * MIB);
        Running slow = new Running(MIB, 3 * MIB, 100_000);
        slow.position = 2 * MIB;

        Store.Span rest = plan.next(List.of(slow), 1_000_000);

        assertThat(rest).isEqualTo(new Store.Span(2 * MIB, 3 * MIB));
        assertThat(slow.end).isEqualTo(2 * MIB);
    }

    @Test
    void aConnectionNotMuchFasterLeavesTheSlowOneAlone() {
        RangePlan plan = new RangePlan(4 * MIB, new Spans(), 2 * MIB, 4 * MIB);
        plan.assign(0, 4 * MIB);
        Running other = new Running(MIB, 3 * MIB, 800_000);
        other.position = 2 * MIB;

        assertThat(plan.next(List.of(other), 1_000_000)).isNull();
        assertThat(other.end).isEqualTo(3 * MIB);
    }

    @Test
    void aRangeWhoseAnswerHasNotArrivedIsNeitherSplitNorTakenOver() {
        RangePlan plan = new RangePlan(64 * MIB, new Spans(), MIB, 64 * MIB);
        plan.assign(0, 64 * MIB);
        Running asked = new Running(0, 64 * MIB, 0);
        asked.flowing = false;

        assertThat(plan.next(List.of(asked), 1_000_000)).isNull();
    }

    @Test
    void whatAConnectionDidNotFetchGoesBackAndTheRestCountsAsDone() {
        RangePlan plan = new RangePlan(10 * MIB, new Spans(), MIB, 10 * MIB);
        plan.assign(0, 10 * MIB);

        plan.ended(0, 4 * MIB, 10 * MIB);

        assertThat(plan.complete()).isFalse();
        assertThat(plan.next(List.of(), 0)).isEqualTo(new Store.Span(4 * MIB, 10 * MIB));
        plan.ended(4 * MIB, 10 * MIB, 10 * MIB);
        assertThat(plan.complete()).isTrue();
        assertThat(plan.onDisk(List.of())).containsExactly(new Store.Span(0, 10 * MIB));
    }

    @Test
    void theWriterHasTheLastWordOnWhereARangeStops() {
        RangePlan plan = new RangePlan(64 * MIB, new Spans(), MIB, 64 * MIB);
        plan.assign(0, 64 * MIB);
        Running ahead = new Running(0, 64 * MIB, 10);
        ahead.refuseBelow = 40 * MIB; // It already took the bytes up to 40 MiB.

        Store.Span next = plan.next(List.of(ahead), 0);

        assertThat(next).isEqualTo(new Store.Span(40 * MIB, 64 * MIB));
    }

    /** A running range as the plan sees it. */
    private static final class Running implements RangePlan.Work {
        long position;
        long end;
        final double rate;
        boolean flowing = true;
        long refuseBelow;
        final List<Long> shrinks = new ArrayList<>();

        Running(long start, long end, double rate) {
            this.position = start;
            this.end = end;
            this.rate = rate;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public long end() {
            return end;
        }

        @Override
        public long shrinkTo(long at) {
            shrinks.add(at);
            end = Math.max(at, Math.max(position, refuseBelow));
            return end;
        }

        @Override
        public double rate() {
            return rate;
        }

        @Override
        public boolean flowing() {
            return flowing;
        }
    }
}
