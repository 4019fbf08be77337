package io.cachet.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * Draws a block of lines at the bottom of a terminal and redraws it in place: the cursor goes
 * back up over the previous block ({@code CR}, {@code CSI n A}), each line is cleared ({@code CSI
 * 2K}) and rewritten, and what is left below is erased ({@code CSI J}). Lines must be shorter than
 * the terminal is wide, or the count of lines to go back up would be wrong. Each frame is one
 * write, so the terminal never shows half a frame.
 */
final class Painter {
    static final String UP = "\r\033[%dA";
    static final String CLEAR_LINE = "\033[2K";
    static final String CLEAR_BELOW = "\033[J";

    private final PrintStream err;
    private int drawn;

    Painter(PrintStream err) {
        this.err = err;
    }

    void paint(List<String> lines) {
        StringBuilder frame = new StringBuilder();
        up(frame);
        for (String line : lines) {
            frame.append(CLEAR_LINE).append(line).append('\n');
        }
        if (lines.size() < drawn) {
            frame.append(CLEAR_BELOW);
        }
        drawn = lines.size();
        write(frame);
    }

    /** Erases the block, leaving the cursor where it began. */
    void clear() {
        if (drawn == 0) {
            return;
        }
        StringBuilder frame = new StringBuilder();
        up(frame);
        frame.append(CLEAR_BELOW);
        drawn = 0;
        write(frame);
    }

    private void up(StringBuilder frame) {
        if (drawn > 0) {
            frame.append(String.format(UP, drawn));
        }
    }

    private void write(StringBuilder frame) {
        if (frame.length() > 0) {
            err.print(frame);
            err.flush();
        }
    }
}
