package io.cachet.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real {@code cachet} jar (built in the package phase, {@code -Dcachet.jar}) as a child
 * process, the way a script would: {@code java -jar cachet.jar ARGS}. Its stdout and stderr go to
 * files (no pipe can fill up and stall it), and are attached to assertion messages.
 */
final class CachetProcess {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Process process;
    private final Path out;
    private final Path err;
    private final List<String> command;

    private CachetProcess(Process process, Path out, Path err, List<String> command) {
        this.process = process;
        this.out = out;
        this.err = err;
        this.command = command;
    }

    static Path jar() {
        String jar = System.getProperty("cachet.jar");
        if (jar == null) {
            throw new IllegalStateException("run the end-to-end tests with Maven (failsafe sets -Dcachet.jar)");
        }
        return Path.of(jar);
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts {@code cachet args...} with its output in {@code dir}. */
    static CachetProcess start(Path dir, String... args) throws IOException {
        return start(dir, Map.of(), args);
    }

    /** Starts {@code cachet args...} with its output in {@code dir} and {@code env} added to its environment. */
    static CachetProcess start(Path dir, Map<String, String> env, String... args) throws IOException {
        return start(dir, env, command(List.of(), args));
    }

    /** {@code java [jvmOptions...] -jar cachet.jar args...}. */
    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts any command with its output in {@code dir}, without the cache variables of this process. */
    static CachetProcess start(Path dir, List<String> command) throws IOException {
        return start(dir, Map.of(), command);
    }

    /**
     * Starts any command with its output in {@code dir}, without the cache variables of this
     * process, and with {@code env} added to its environment.
     */
    static CachetProcess start(Path dir, Map<String, String> env, List<String> command) throws IOException {
        int n = RUNS.incrementAndGet();
        Path out = dir.resolve("run-" + n + ".out");
        Path err = dir.resolve("run-" + n + ".err");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().remove("CACHET_CACHE_DIR");
        builder.environment().remove("XDG_CACHE_HOME");
        builder.environment().putAll(env);
        return new CachetProcess(builder.start(), out, err, command);
    }

    /** Runs {@code cachet args...} to its end. */
    static CachetProcess run(Path dir, String... args) throws IOException {
        return run(dir, Map.of(), args);
    }

    /** Runs {@code cachet args...} to its end, with {@code env} added to its environment. */
    static CachetProcess run(Path dir, Map<String, String> env, String... args) throws IOException {
        CachetProcess p = start(dir, env, args);
        p.await();
        return p;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** Waits for the exit, failing the test after 90 seconds (a hang is a failure, not a wait). */
    int await() {
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                String threads = threadDump();
                process.destroyForcibly();
                throw new AssertionError("cachet did not exit within 90 s: " + this + "\n--- threads ---\n" + threads);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** The child's threads, to say where it hung. */
    private String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(process.pid()),
                            "Thread.print")
                    .redirectErrorStream(true)
                    .start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    int code() {
        return await();
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        String state = process.isAlive() ? "running" : "exit " + process.exitValue();
        return String.join(
                        " ",
                        command.subList(command.indexOf("-jar") < 0 ? 0 : command.indexOf("-jar") + 2, command.size()))
                + " [pid " + process.pid() + ", " + state + "]\n--- stdout ---\n" + read(out) + "--- stderr ---\n"
                + read(err);
    }
}
