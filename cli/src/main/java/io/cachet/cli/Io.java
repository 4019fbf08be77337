package io.cachet.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What a command talks to: its streams, environment and clock. {@link #system()} is the real
 * process; tests pass their own, so commands run in-process with captured output, an injected
 * environment and a fake clock.
 *
 * @param out results only: paths or JSON lines
 * @param err errors, progress and summaries
 * @param in the manifest when it is {@code -}
 * @param env the environment variables
 * @param home the user's home directory: {@code $HOME}, as shells and other tools read it
 * @param errIsTerminal whether stderr is a terminal (progress bars are drawn by default)
 * @param nanoTime a monotonic clock, for rates and ETAs
 * @param ownsProcess whether this is the real process: then signals close the cache
 */
record Io(
        PrintStream out,
        PrintStream err,
        InputStream in,
        Map<String, String> env,
        Path home,
        boolean errIsTerminal,
        LongSupplier nanoTime,
        boolean ownsProcess) {

    static Io system() {
        return new Io(
                System.out,
                System.err,
                System.in,
                System.getenv(),
                home(System.getenv()),
                stderrIsTerminal(),
                System::nanoTime,
                true);
    }

    /**
     * {@code $HOME} when it is an absolute path, else the JVM's {@code user.home}: the JVM reads the
     * password database, which is not what a script that sets {@code HOME} (CI runners, sudo, a
     * container) means.
     */
    static Path home(Map<String, String> env) {
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            Path path = Path.of(home);
            if (path.isAbsolute()) {
                return path;
            }
        }
        return Path.of(System.getProperty("user.home"));
    }

    /**
     * Whether file descriptor 2 is a terminal. Java cannot ask isatty(2) directly; on Linux,
     * {@code /proc/self/fd/2} names the terminal device. Elsewhere {@link System#console()} is the
     * best guess (it needs stdin and stdout to be terminals too). {@code TERM=dumb} means no.
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (Exception e) {
            // Fall through to the portable guess.
        }
        return System.console() != null;
    }

    /** The terminal width from {@code COLUMNS}, else 80. */
    int columns() {
        String c = env.get("COLUMNS");
        if (c != null) {
            try {
                int n = Integer.parseInt(c.strip());
                if (n >= 40 && n <= 1000) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // Use the default.
            }
        }
        return 80;
    }
}
