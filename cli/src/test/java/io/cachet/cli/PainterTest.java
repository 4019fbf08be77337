package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PainterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Painter painter = new Painter(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    private String drawn() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s;
    }

    @Test
    void drawsBelowTheCursorThenRedrawsInPlace() {
        painter.paint(List.of("a", "b"));
        assertThat(drawn()).isEqualTo("\033[2Ka\n\033[2Kb\n");

        painter.paint(List.of("a2", "b2"));
        assertThat(drawn()).isEqualTo("\r\033[2A\033[2Ka2\n\033[2Kb2\n");
    }

    @Test
    void aShorterFrameErasesWhatIsLeftBelowIt() {
        painter.paint(List.of("a", "b", "c"));
        drawn();

        painter.paint(List.of("a"));
        assertThat(drawn()).isEqualTo("\r\033[3A\033[2Ka\n\033[J");
    }

    @Test
    void clearingLeavesTheCursorWhereTheBlockBeganAndIsIdempotent() {
        painter.paint(List.of("a", "b"));
        drawn();

        painter.clear();
        assertThat(drawn()).isEqualTo("\r\033[2A\033[J");
        painter.clear();
        assertThat(drawn()).isEmpty();
        painter.paint(List.of("c"));
        assertThat(drawn()).isEqualTo("\033[2Kc\n");
    }
}
