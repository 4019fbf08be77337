package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** docs/architecture.md, "Parallel ranges": connections are added while they raise the throughput. */
class ConnectionGovernorTest {
    private static final long WINDOW = 1_000_000_000L; // 1 s
    private static final long PER_CONNECTION = 20_000_000; // A cap per connection, as a CDN's.

    private static final int PROCESSORS = 2;

    private final ConnectionGovernor governor = new ConnectionGovernor(8, WINDOW, PROCESSORS, () -> this.cpu);
    private long now;
    private long bytes;
    private long cpu;
    private double busy = 0.3; // The share of the processors this process uses in each window.

    @Test
    void connectionsDoubleWhileEachStepPaysOffUpToTheMaximum() {
        assertThat(stepWith(1, PER_CONNECTION)).isEqualTo(1);
        assertThat(stepWith(2, PER_CONNECTION)).isEqualTo(2);
        assertThat(stepWith(4, PER_CONNECTION)).isEqualTo(4);
        assertThat(stepWith(8, PER_CONNECTION)).isZero();
    }

    @Test
    void aStepThatDoesNotPayOffIsTakenBackAndTriedAgainAfterAHold() {
        assertThat(stepWith(1, PER_CONNECTION)).isEqualTo(1);
        // Two connections bring only 10% more in all: the limit is not per connection.
        assertThat(stepWith(2, PER_CONNECTION * 0.55)).as("back to one").isEqualTo(-1);
        assertThat(governor.holdsAt(now)).isTrue();
        for (int i = 1; i <= ConnectionGovernor.FIRST_HOLD; i++) {
            assertThat(stepWith(1, PER_CONNECTION)).as("holding, window " + i).isZero();
        }
        assertThat(governor.holdsAt(now)).isFalse();

        assertThat(stepWith(1, PER_CONNECTION))
                .as("a fresh baseline, then a step")
                .isEqualTo(1);
        assertThat(stepWith(2, PER_CONNECTION)).as("which pays off this time").isEqualTo(2);
    }

    @Test
    void eachStepThatFailsAgainDoublesTheHold() {
        assertThat(stepWith(1, PER_CONNECTION)).isEqualTo(1);
        assertThat(stepWith(2, PER_CONNECTION * 0.55)).isEqualTo(-1);
        now += ConnectionGovernor.FIRST_HOLD * WINDOW;
        assertThat(stepWith(1, PER_CONNECTION)).isEqualTo(1);
        assertThat(stepWith(2, PER_CONNECTION * 0.55)).isEqualTo(-1);

        now += ConnectionGovernor.FIRST_HOLD * WINDOW;
        assertThat(governor.holdsAt(now)).as("twice as long").isTrue();
        now += ConnectionGovernor.FIRST_HOLD * WINDOW;
        assertThat(governor.holdsAt(now)).isFalse();
    }

    @Test
    void nothingIsMeasuredUntilEveryConnectionFlows() {
        tick(1, 0, 0);
        now += 10 * WINDOW;
        bytes += 1;
        assertThat(tick(1, 1, 0)).as("a connection that is not flowing yet").isZero();
        assertThat(stepWith(1, PER_CONNECTION)).isEqualTo(1);
    }

    @Test
    void aWindowMustPassBeforeAStepIsJudged() {
        tick(1, 1, 0);
        now += WINDOW / 2;
        bytes += PER_CONNECTION;
        assertThat(tick(1, 1, 0)).isZero();
    }

    @Test
    void theLastStepAddsOnlyUpToTheMaximum() {
        ConnectionGovernor six = new ConnectionGovernor(6, WINDOW, PROCESSORS, () -> ConnectionGovernor.CPU_UNKNOWN);
        long t = 0;
        long b = 0;
        int open = 1;
        int added = 0;
        for (int step = 0; step < 4; step++) {
            six.tick(t, b, open, open);
            t += WINDOW;
            b += open * PER_CONNECTION;
            added = six.tick(t, b, open, open);
            open += added;
        }
        assertThat(open).isEqualTo(6);
    }

    @Test
    void aWindowInWhichTheHostWasBusyAddsNothingAndIsNotJudged() {
        busy = 0.95; // A cold JVM compiling while it receives, or a disk or digest slower than the origin.
        assertThat(stepWith(1, PER_CONNECTION)).isZero();
        assertThat(stepWith(1, PER_CONNECTION * 3))
                .as("however the rate grows meanwhile")
                .isZero();
        assertThat(governor.holdsAt(now)).as("not for good").isFalse();

        busy = 0.3;
        assertThat(stepWith(1, PER_CONNECTION))
                .as("the first quiet window is judged")
                .isEqualTo(1);
        busy = ConnectionGovernor.BUSY; // At the limit: busy.
        assertThat(stepWith(2, PER_CONNECTION)).isZero();
        busy = ConnectionGovernor.BUSY - 0.05;
        assertThat(stepWith(2, PER_CONNECTION)).isEqualTo(2);
    }

    @Test
    void whereTheCpuTimeIsUnknownOnlyTheThroughputDecides() {
        ConnectionGovernor blind = new ConnectionGovernor(8, WINDOW, PROCESSORS, () -> ConnectionGovernor.CPU_UNKNOWN);
        blind.tick(0, 0, 1, 1);
        assertThat(blind.tick(WINDOW, PER_CONNECTION, 1, 1)).isEqualTo(1);
    }

    /**
     * One measured window at {@code open} connections, each bringing {@code perConnection} bytes/s,
     * the process using {@link #busy} of the processors.
     */
    private int stepWith(int open, double perConnection) {
        tick(open, open, 0);
        now += WINDOW;
        bytes += (long) (open * perConnection);
        cpu += (long) (busy * PROCESSORS * WINDOW);
        return tick(open, open, 0);
    }

    private int tick(int open, int flowing, long more) {
        bytes += more;
        return governor.tick(now, bytes, open, flowing);
    }
}
