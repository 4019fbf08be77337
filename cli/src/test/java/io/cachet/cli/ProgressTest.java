package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The coordinator: forced terminal, fake clock, ticks driven by the test. */
class ProgressTest {
    static final long MIB = ProgressBoardTest.MIB;

    @Test
    void resultsAreWrittenAboveTheBarsWhichAreThenRedrawn() {
        TestIo test = new TestIo().terminal();
        Progress progress = Progress.manual(test.io(), true, 1);
        progress.event(new CacheEvent.Started(ProgressBoardTest.MODEL, "u", 0, 100 * MIB));
        progress.tick();

        progress.print(() -> test.io().err().println("cachet: line 3: ..."));

        assertThat(test.err())
                .isEqualTo("\033[2Kresnet50.onnx    [              ] 0 B/100.0 MiB\n"
                        + "\r\033[1A\033[J"
                        + "cachet: line 3: ...\n"
                        + "\033[2Kresnet50.onnx    [              ] 0 B/100.0 MiB\n");
    }

    @Test
    void closingErasesTheBarsAndPrintsOneSummaryLine() {
        TestIo test = new TestIo().terminal();
        Progress progress = Progress.manual(test.io(), true, 1);
        progress.event(new CacheEvent.Started(ProgressBoardTest.MODEL, "u", 0, 100 * MIB));
        progress.tick();
        test.advance(Duration.ofSeconds(4));
        Artifact artifact = new Artifact(
                ProgressBoardTest.MODEL, Path.of("/c/b"), ProgressBoardTest.SHA, 100 * MIB, Artifact.Source.DOWNLOADED);
        progress.event(new CacheEvent.Progress(ProgressBoardTest.MODEL, 100 * MIB, 100 * MIB, false));
        progress.event(new CacheEvent.Committed(ProgressBoardTest.MODEL, artifact));
        progress.finished(artifact);

        progress.close(true);
        progress.close(true);

        assertThat(test.err())
                .endsWith("\r\033[1A\033[J" + "downloaded resnet50.onnx: 100.0 MiB in 4.0s (25.0 MiB/s)\n");
    }

    @Test
    void whenOffItDrawsNothingAndPrintsPlainly() {
        TestIo test = new TestIo();
        Progress progress = Progress.manual(test.io(), false, 1);
        progress.event(new CacheEvent.Started(ProgressBoardTest.MODEL, "u", 0, 100 * MIB));
        progress.tick();

        progress.print(() -> test.io().out().println("/c/b"));
        progress.close(true);

        assertThat(test.out()).isEqualTo("/c/b\n");
        assertThat(test.err()).isEmpty();
    }
}
