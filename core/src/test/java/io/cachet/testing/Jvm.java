package io.cachet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A child JVM for multi-process tests , in the manner of maven-resolver's
 * {@code TestNioLock}: the test's own class path, a main class and arguments, its stdout and stderr
 * in files of the test's directory, and everything needed to crash it on purpose.
 *
 * <p>Children start small and fast ({@code -Xmx64m}, C1 only, CDS when available) and inherit none
 * of the test JVM's flags: no BlockHound (its listener is a JUnit Platform one and children do not
 * run JUnit), no leak detector. Every wait has a deadline, and every failure message carries the
 * child's output ({@link #report()}), so a red test says what the child saw.
 *
 * <pre>{@code
 * Jvm holder = jvms.start(Jvm.main(CacheWorker.class, "--root=" + root, ...));
 * holder.awaitLine(l -> l.startsWith("LOCKED"), Duration.ofSeconds(20));
 * holder.destroyForcibly();          // SIGKILL: no shutdown hooks, like a crash
 * assertThat(holder.awaitExit(Duration.ofSeconds(20))).as(holder::report).isEqualTo(137);
 * }</pre>
 */
public final class Jvm {
    /** Exit status of a JVM killed by SIGKILL ({@code destroyForcibly}) or halted with 137. */
    public static final int KILLED = 137;

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final List<String> JVM_FLAGS = List.of(
            "-Xmx64m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData");

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private Jvm(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** What to run: {@code mainClass} with {@code args} on this JVM's class path. */
    public static Spec main(Class<?> mainClass, String... args) {
        return new Spec(mainClass, List.of(args), List.of(), System.getProperty("java.class.path"));
    }

    /** A child JVM to be started. */
    public record Spec(Class<?> mainClass, List<String> args, List<String> prefix, String classPath) {

        /** Runs the JVM through a wrapper such as {@code setpriv --reuid=...} or {@code sh -c}. */
        public Spec wrappedIn(String... command) {
            return new Spec(mainClass, args, List.of(command), classPath);
        }

        /** The same JVM with {@code more} arguments appended. */
        public Spec with(String... more) {
            List<String> all = new ArrayList<>(args);
            all.addAll(List.of(more));
            return new Spec(mainClass, all, prefix, classPath);
        }

        /** The same JVM on another class path, such as a {@link #portableClassPath} copy. */
        public Spec onClassPath(String classPath) {
            return new Spec(mainClass, args, prefix, classPath);
        }

        List<String> command() {
            List<String> command = new ArrayList<>(prefix);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_FLAGS);
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass.getName());
            command.addAll(args);
            return command;
        }
    }

    /**
     * Copies this JVM's class path under {@code dir}, readable by every user, and returns the copy's
     * class path: for a child running as another user, who cannot read the build's directories.
     */
    public static String portableClassPath(Path dir) throws IOException {
        List<String> copied = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path target = dir.resolve(i++ + "-" + source.getFileName());
            copyTree(source, target);
            copied.add(target.toString());
        }
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        return String.join(java.io.File.pathSeparator, copied);
    }

    /** Starts {@code spec}, writing its output to files in {@code dir}. */
    public static Jvm start(Spec spec, Path dir) throws IOException {
        String name = spec.mainClass().getSimpleName() + "-" + NAMES.incrementAndGet();
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder builder =
                new ProcessBuilder(spec.command()).redirectOutput(out.toFile()).redirectError(err.toFile());
        // Nothing from the build's environment reaches the child's JVM options: it runs as specified.
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        Process process = builder.start();
        return new Jvm(name, process, out, err);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the child to end; its exit status. Fails, with its output, at the deadline. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout + "\n" + report());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** Kills the child with SIGKILL: no shutdown hook runs, as in a crash. */
    public void destroyForcibly() {
        process.destroyForcibly();
    }

    /** Freezes the child ({@code kill -STOP}); always {@link #resume()} it in a {@code finally}. */
    public void freeze() {
        signal("STOP");
    }

    /** Thaws a frozen child ({@code kill -CONT}); harmless if it is not frozen or already gone. */
    public void resume() {
        if (process.isAlive()) {
            signal("CONT");
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                    .inheritIO()
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends one line to the child's standard input. */
    public void tell(String line) {
        try {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " no longer reads its input\n" + report(), e);
        }
    }

    /** The lines the child has written to its standard output so far. */
    public List<String> lines() {
        try {
            return Files.readAllLines(stdout, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The output lines that start with {@code prefix}. */
    public List<String> lines(String prefix) {
        return lines().stream().filter(l -> l.startsWith(prefix)).toList();
    }

    /**
     * Waits until the child prints a line matching {@code wanted}, and returns it. Fails with the
     * child's output if it exits first or the deadline passes.
     */
    public String awaitLine(Predicate<String> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> found = lines().stream().filter(wanted).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (!process.isAlive()) {
                found = lines().stream().filter(wanted).findFirst(); // Printed just before exiting.
                if (found.isPresent()) {
                    return found.get();
                }
                throw new AssertionError(
                        name + " exited (" + process.exitValue() + ") before printing the line awaited\n" + report());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " printed no line awaited within " + timeout + "\n" + report());
            }
            pause();
        }
    }

    /** Waits for a line starting with {@code prefix}. */
    public String awaitLine(String prefix, Duration timeout) {
        return awaitLine(l -> l.startsWith(prefix), timeout);
    }

    /** What the child has written to its standard error so far (its log, with slf4j-simple). */
    public String errors() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The child's name, pid, state and everything it printed: for assertion messages. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append("---- ").append(name).append(" (pid ").append(pid()).append(", ");
        b.append(process.isAlive() ? "running" : "exit " + process.exitValue()).append(") ----\n");
        b.append("stdout:\n");
        lines().forEach(l -> b.append("  ").append(l).append('\n'));
        b.append("stderr:\n");
        try {
            errors().lines().forEach(l -> b.append("  ").append(l).append('\n'));
        } catch (UncheckedIOException e) {
            b.append("  (unreadable: ").append(e).append(")\n");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + ")";
    }

    /** Polling interval for output files: short, and not a way to "let things settle". */
    static void pause() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        if (Files.isDirectory(source)) {
            try (var walk = Files.walk(source)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path t = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                        t.toFile().setReadable(true, false);
                        t.toFile().setExecutable(true, false);
                    } else {
                        Files.copy(p, t);
                        t.toFile().setReadable(true, false);
                    }
                }
            }
        } else {
            Files.copy(source, target);
            target.toFile().setReadable(true, false);
        }
    }
}
