package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.Sha256;
import io.cachet.spi.Text;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;

/**
 * {@code cachet demo}: the situation Cachet exists for, on loopback. An embedded origin serves a
 * generated artifact slowly; many threads of this process and two child {@code cachet fetch}
 * processes ask for it at once, into one temporary cache. One request reaches the origin, and
 * every caller gets the same verified file.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Shows one download shared by many callers and processes, in a few seconds, without network.",
            "",
            "An embedded origin on 127.0.0.1 serves a"
                    + " generated " + DemoCommand.SIZE_TEXT + " artifact at a throttled rate; " + DemoCommand.THREADS
                    + " threads of this process and " + DemoCommand.CHILDREN
                    + " child 'cachet fetch' processes ask for it"
                    + " at once, into a temporary cache. It prints how many requests reached the origin (one), the bytes,"
                    + " the time, the verified digest and where each caller's file is, then removes the temporary cache."
        })
final class DemoCommand implements Callable<Integer> {
    static final int SIZE = 48 * 1024 * 1024;
    static final String SIZE_TEXT = "48 MiB";
    static final long RATE = 16L * 1024 * 1024;
    static final int THREADS = 16;
    static final int CHILDREN = 2;

    private final Io io;

    @Option(names = "--keep", description = "Keep the temporary cache and print where it is.")
    boolean keep;

    @Option(
            names = "--fleet",
            description = "Show a fleet instead: " + FleetDemo.HOSTS + " hosts (child processes with their own"
                    + " cache directories) share one download through a Redis lease and a shared tier. Needs"
                    + " redis-server (it says how to install it); $CACHET_REDIS_SERVER names another binary.")
    boolean fleet;

    @Mixin
    Options.Output output;

    DemoCommand(Io io) {
        this.io = io;
    }

    /** What one caller got: its label, path, digest and how. */
    record Got(String caller, String path, String sha256, String source) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("cachet-demo-");
        try {
            return fleet ? new FleetDemo(io, dir, output).run() : run(dir, dir.resolve("cache"));
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "the demo failed", e, output.debug);
        } finally {
            if (keep) {
                io.out().println("kept " + dir);
            } else {
                deleteTree(dir);
            }
        }
    }

    private int run(Path dir, Path cacheDir) throws IOException, InterruptedException {
        byte[] artifact = new byte[SIZE];
        new SplittableRandom(20_261_127L).nextBytes(artifact);
        Sha256 digest = sha256(artifact);
        var out = io.out();
        try (DemoServer server = DemoServer.start(artifact, RATE)) {
            String url = server.url().toString();
            out.printf(
                    "cachet demo: %d callers ask for one %s artifact at the same moment%n%n",
                    THREADS + CHILDREN, SIZE_TEXT);
            out.printf("  origin   %s (embedded, throttled to %s)%n", url, Units.rate(RATE));
            out.printf("  cache    %s (temporary)%n", cacheDir);
            out.flush();
            long start = io.nanoTime().getAsLong();
            List<Got> got = new ArrayList<>();
            List<Process> children = new ArrayList<>();
            FetchRequest request = FetchRequest.of(url).withSha256(digest).withSize(SIZE);
            try (Session session = Session.forFetching(io, cacheDir, false, null);
                    Progress progress = Progress.start(io, session.cache(), output.showProgress(io), 1)) {
                CompletableFuture<List<Artifact>> threads = Flux.range(0, THREADS)
                        .flatMap(i -> session.cache().fetch(request), THREADS)
                        .collectList()
                        .toFuture();
                // Once the origin is asked, this process holds the artifact's lock: the children will wait.
                while (!threads.isDone() && !server.awaitRequest(Duration.ofMillis(100))) {
                    // Asked again until the first request or a failure.
                }
                for (int i = 0; i < CHILDREN; i++) {
                    children.add(child(dir, i, url, digest, cacheDir));
                }
                String pids = children.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(", "));
                progress.print(() -> {
                    out.printf(
                            "  callers  %d threads of this process (pid %d) and %d child processes (pid %s)%n%n",
                            THREADS, ProcessHandle.current().pid(), CHILDREN, pids);
                    out.flush();
                });
                awaitChildrenWaiting(children, dir, "child-", Duration.ofSeconds(20));
                server.release();
                List<Artifact> artifacts = result(threads);
                for (int i = 0; i < artifacts.size(); i++) {
                    Artifact a = artifacts.get(i);
                    got.add(new Got(
                            "thread " + (i + 1), a.path().toString(), a.sha256().hex(), Results.source(a.source())));
                }
            } finally {
                server.release();
            }
            for (int i = 0; i < children.size(); i++) {
                got.add(awaitChild(children.get(i), dir, i));
            }
            Duration took = Duration.ofNanos(io.nanoTime().getAsLong() - start);
            return report(server, got, digest, took);
        }
    }

    /**
     * Waits until each child says (on its stderr, drawn by --progress) that it is waiting for this
     * process's download, or has exited, at most {@code patience}: however slowly their JVMs start,
     * the demo shows them waiting rather than finding the artifact already there.
     */
    static void awaitChildrenWaiting(List<Process> children, Path dir, String label, Duration patience)
            throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        for (int i = 0; i < children.size(); i++) {
            Path err = dir.resolve(label + i + ".err");
            while (children.get(i).isAlive()
                    && System.nanoTime() < deadline
                    && !Files.readString(err, StandardCharsets.UTF_8).contains("waiting for ")) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static List<Artifact> result(CompletableFuture<List<Artifact>> threads) {
        try {
            return threads.get(5, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("the demo's own fetches did not finish: " + e, e);
        }
    }

    private Process child(Path dir, int i, String url, Sha256 digest, Path cacheDir) throws IOException {
        return start(
                dir,
                "child-" + i,
                List.of(
                        "fetch",
                        url,
                        "--sha256",
                        digest.hex(),
                        "--size",
                        Integer.toString(SIZE),
                        "--cache-dir",
                        cacheDir.toString(),
                        "--json",
                        "--progress"));
    }

    /** Starts {@code cachet args...} in a child JVM of the same class path, its output in {@code dir/label.*}. */
    static Process start(Path dir, String label, List<String> args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(
                List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath, Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectOutput(dir.resolve(label + ".out").toFile())
                .redirectError(dir.resolve(label + ".err").toFile())
                .start();
    }

    private Got awaitChild(Process child, Path dir, int i) throws IOException {
        return awaitChild(child, dir, "child-" + i, "pid " + child.pid());
    }

    /** Waits for a child started by {@link #start} and reads what it printed. */
    static Got awaitChild(Process child, Path dir, String label, String caller) throws IOException {
        try {
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                return new Got(caller, "", "", "did not finish in 60s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroyForcibly();
            return new Got(caller, "", "", "interrupted");
        }
        String json = Files.readString(dir.resolve(label + ".out"), StandardCharsets.UTF_8)
                .strip();
        if (child.exitValue() != 0 || json.isEmpty()) {
            String err = Files.readString(dir.resolve(label + ".err"), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> line.startsWith("cachet:") || line.startsWith("  "))
                    .collect(Collectors.joining("\n"));
            return new Got(
                    caller, "", "", "failed with exit code " + child.exitValue() + (err.isEmpty() ? "" : ":\n" + err));
        }
        return new Got(caller, field(json, "path"), field(json, "sha256"), field(json, "source"));
    }

    /** A string field of the one-line JSON object that {@code fetch --json} prints. */
    static String field(String json, String name) {
        String marker = "\"" + name + "\":\"";
        int from = json.indexOf(marker);
        if (from < 0) {
            return "";
        }
        from += marker.length();
        StringBuilder value = new StringBuilder();
        for (int i = from; i < json.length() && json.charAt(i) != '"'; i++) {
            char c = json.charAt(i);
            if (c == '\\' && i + 1 < json.length()) {
                c = json.charAt(++i);
            }
            value.append(c);
        }
        return value.toString();
    }

    private int report(DemoServer server, List<Got> got, Sha256 digest, Duration took) {
        var out = io.out();
        Map<String, List<Got>> byPath = new TreeMap<>();
        for (Got g : got) {
            byPath.computeIfAbsent(g.path(), p -> new ArrayList<>()).add(g);
        }
        boolean verified = got.stream().allMatch(g -> g.sha256().equals(digest.hex()));
        boolean ok = server.requests() == 1
                && byPath.size() == 1
                && verified
                && !got.get(0).path().isEmpty();
        out.printf("what happened%n");
        out.printf("  origin requests  %d, for %d callers%n", server.requests(), got.size());
        out.printf("  bytes served     %s (the artifact is %s)%n", Text.bytes(server.bytesSent()), Text.bytes(SIZE));
        out.printf("  time             %s%n", Units.elapsed(took));
        out.printf(
                "  sha256           %s%s%n",
                digest.hex(), verified ? " (verified before any caller got the file)" : "");
        if (byPath.size() == 1 && !got.get(0).path().isEmpty()) {
            out.printf("  every caller got %s%n", got.get(0).path());
        }
        Map<String, Long> threads = got.stream()
                .filter(g -> g.caller().startsWith("thread"))
                .collect(Collectors.groupingBy(Got::source, TreeMap::new, Collectors.counting()));
        out.printf(
                "    this process   %s%n",
                threads.entrySet().stream()
                        .map(e -> e.getValue() + " " + describe(e.getKey(), e.getValue() != 1))
                        .collect(Collectors.joining(", ")));
        for (Got g : got) {
            if (g.caller().startsWith("pid")) {
                out.printf("    %-14s %s%n", g.caller(), g.path().isEmpty() ? g.source() : describe(g.source(), false));
            }
        }
        if (byPath.size() > 1) {
            byPath.forEach((path, who) -> out.printf(
                    "  %s got %s%n",
                    who.stream().map(Got::caller).collect(Collectors.joining(", ")),
                    path.isEmpty() ? "nothing" : path));
        }
        out.println();
        out.println(
                ok
                        ? "One download, one verified file for everyone. Try it on your own URLs: cachet fetch URL --sha256 HEX"
                        : "Something differed from one download with one file for everyone: see above.");
        out.flush();
        return ok ? ExitCodes.OK : ExitCodes.INTERNAL;
    }

    static String describe(String source, boolean plural) {
        return switch (source) {
            case "download" -> plural ? "downloaded" : "downloaded it";
            case "waited" -> plural ? "waited for that download" : "waited for the download, got the same file";
            case "hit" -> plural ? "found it in the cache" : "found it in the cache, the same file";
            case "resumed" -> "resumed an earlier download";
            case "tier" -> "read it from the fleet's tier";
            default -> source;
        };
    }

    static Sha256 sha256(byte[] bytes) {
        try {
            return Sha256.of(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
