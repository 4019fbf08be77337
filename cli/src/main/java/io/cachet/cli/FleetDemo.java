package io.cachet.cli;

import io.cachet.Sha256;
import io.cachet.spi.Text;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@code cachet demo --fleet}: three hosts of a fleet (child {@code cachet fetch} processes, each
 * with its own cache directory) ask for one artifact at once, sharing a {@code redis-server} that
 * this demo starts on loopback (the cluster) and a directory (the tier, as an NFS mount would be).
 * One host downloads; the others wait for its lease and read its upload from the tier.
 */
final class FleetDemo {
    static final int HOSTS = 3;
    static final String REDIS_VARIABLE = "CACHET_REDIS_SERVER";

    private final Io io;
    private final Path dir;
    private final Options.Output output;

    FleetDemo(Io io, Path dir, Options.Output output) {
        this.io = io;
        this.dir = dir;
        this.output = output;
    }

    int run() throws IOException, InterruptedException {
        String binary = redisServer();
        if (binary == null) {
            io.err()
                    .println("cachet: the fleet demo needs redis-server, the cluster its hosts share, and finds none:"
                            + " install it with `sudo apt-get install redis-server` (Debian, Ubuntu), `sudo dnf install redis`"
                            + " (Fedora) or `brew install redis` (macOS), or name the binary in $" + REDIS_VARIABLE);
            return ExitCodes.USAGE;
        }
        byte[] artifact = new byte[DemoCommand.SIZE];
        new SplittableRandom(20_261_127L).nextBytes(artifact);
        Sha256 digest = DemoCommand.sha256(artifact);
        Process redis = startRedis(binary);
        try (DemoServer origin = DemoServer.start(artifact, DemoCommand.RATE)) {
            return show(redis, origin, digest);
        } finally {
            redis.destroyForcibly();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private int show(Process redis, DemoServer origin, Sha256 digest) throws IOException, InterruptedException {
        String cluster = "redis://127.0.0.1:" + port;
        Path tier = dir.resolve("tier");
        PrintStream out = io.out();
        out.printf(
                "cachet demo --fleet: %d hosts of a fleet ask for one %s artifact at the same moment%n%n",
                HOSTS, DemoCommand.SIZE_TEXT);
        out.printf("  origin   %s (embedded, throttled to %s)%n", origin.url(), Units.rate(DemoCommand.RATE));
        out.printf("  cluster  %s (a redis-server of this demo, pid %d)%n", cluster, redis.pid());
        out.printf("  tier     %s (a directory the hosts share, as an NFS mount would be)%n", tier);
        out.flush();
        long start = io.nanoTime().getAsLong();
        List<Process> hosts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (int i = 0; i < HOSTS; i++) {
                String name = "host-" + (char) ('a' + i);
                names.add(name);
                hosts.add(DemoCommand.start(
                        dir,
                        "host-" + i,
                        List.of(
                                "fetch",
                                origin.url().toString(),
                                "--sha256",
                                digest.hex(),
                                "--size",
                                Integer.toString(DemoCommand.SIZE),
                                "--cache-dir",
                                dir.resolve(name).toString(),
                                "--cluster",
                                cluster,
                                "--tier",
                                tier.toUri().toString(),
                                "--json",
                                "--progress")));
            }
            out.printf(
                    "  hosts    %d 'cachet fetch' processes, each with its own cache directory (pid %s)%n%n",
                    HOSTS, hosts.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(", ")));
            out.flush();
            // The first host to take the lease asks the origin, which holds the body until the others wait.
            while (!origin.awaitRequest(Duration.ofMillis(100))
                    && hosts.stream().anyMatch(Process::isAlive)) {
                // Asked again until the first request, or until every host has ended.
            }
            awaitOthersWaiting(hosts, Duration.ofSeconds(20));
        } finally {
            origin.release();
        }
        List<DemoCommand.Got> got = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            got.add(DemoCommand.awaitChild(
                    hosts.get(i),
                    dir,
                    "host-" + i,
                    names.get(i) + " (pid " + hosts.get(i).pid() + ")"));
        }
        return report(origin, got, digest, Duration.ofNanos(io.nanoTime().getAsLong() - start));
    }

    /**
     * Waits until every host but the downloader says (on its stderr, drawn by --progress) that it
     * waits for another host, or has ended, at most {@code patience}: however slowly their JVMs
     * start, the demo shows them waiting rather than finding the artifact in the tier already.
     */
    private void awaitOthersWaiting(List<Process> hosts, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            int settled = 0;
            for (int i = 0; i < hosts.size(); i++) {
                String err = Files.readString(dir.resolve("host-" + i + ".err"), StandardCharsets.UTF_8);
                if (!hosts.get(i).isAlive() || err.contains("waiting for ")) {
                    settled++;
                }
            }
            if (settled >= hosts.size() - 1) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private int report(DemoServer origin, List<DemoCommand.Got> got, Sha256 digest, Duration took) {
        PrintStream out = io.out();
        boolean verified = got.stream().allMatch(g -> g.sha256().equals(digest.hex()));
        long downloads = got.stream().filter(g -> g.source().equals("download")).count();
        boolean ok = origin.requests() == 1 && verified && downloads == 1;
        out.printf("what happened%n");
        out.printf("  origin requests  %d, for %d hosts%n", origin.requests(), got.size());
        out.printf(
                "  bytes served     %s (the artifact is %s)%n",
                Text.bytes(origin.bytesSent()), Text.bytes(DemoCommand.SIZE));
        out.printf("  time             %s%n", Units.elapsed(took));
        out.printf(
                "  sha256           %s%s%n",
                digest.hex(), verified ? " (verified by every host before it kept it)" : "");
        String downloader = got.stream()
                .filter(g -> g.source().equals("download"))
                .map(g -> g.caller().substring(0, g.caller().indexOf(' ')))
                .findFirst()
                .orElse("another host");
        for (DemoCommand.Got g : got) {
            String what = switch (g.source()) {
                case "download" -> "downloaded it, then put it in the tier";
                case "waited" -> "waited for " + downloader + "'s download, then read it from the tier";
                case "tier" -> "found it in the tier, read it from there";
                default -> g.path().isEmpty() ? g.source() : DemoCommand.describe(g.source(), false);
            };
            out.printf("    %-22s %s%n", g.caller(), what);
        }
        out.println();
        out.println(
                ok
                        ? "One download for the fleet, one verified file on every host. On real hosts:\n"
                                + "  cachet fetch URL --sha256 HEX --cluster redis://HOST:6379 --tier s3://BUCKET/PREFIX"
                        : "Something differed from one download for the whole fleet: see above.");
        out.flush();
        if (!ok && output.debug) {
            io.err().println("cachet: the hosts' output is in " + dir + " (run with --keep to look at it)");
        }
        return ok ? ExitCodes.OK : ExitCodes.INTERNAL;
    }

    // ---- redis-server ----

    private int port;

    /** $CACHET_REDIS_SERVER, else redis-server on the PATH or in the usual places; null if none. */
    private @Nullable String redisServer() {
        String configured = io.env().get(REDIS_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return Files.isExecutable(Path.of(configured)) ? configured : null;
        }
        List<Path> candidates = new ArrayList<>();
        for (String d : io.env().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty()) {
                candidates.add(Path.of(d, "redis-server"));
            }
        }
        candidates.addAll(List.of(
                Path.of("/usr/bin/redis-server"),
                Path.of("/usr/sbin/redis-server"),
                Path.of("/usr/local/bin/redis-server"),
                Path.of("/opt/homebrew/bin/redis-server")));
        return candidates.stream()
                .filter(Files::isExecutable)
                .map(Path::toString)
                .findFirst()
                .orElse(null);
    }

    /** Starts redis-server on a free loopback port, without persistence, and waits for its PONG. */
    private Process startRedis(String binary) throws IOException, InterruptedException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            port = probe.getLocalPort();
        }
        Path redisDir = Files.createDirectories(dir.resolve("redis"));
        // The configuration on stdin ("redis-server -"): loopback only, nothing persisted.
        Process redis = new ProcessBuilder(binary, "-")
                .redirectErrorStream(true)
                .redirectOutput(redisDir.resolve("redis.log").toFile())
                .start();
        try (OutputStream config = redis.getOutputStream()) {
            config.write(String.join(
                            "\n",
                            "port " + port,
                            "bind 127.0.0.1",
                            "save \"\"",
                            "appendonly no",
                            "dir \"" + redisDir + "\"",
                            "")
                    .getBytes(StandardCharsets.UTF_8));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!pong()) {
            if (!redis.isAlive() || System.nanoTime() > deadline) {
                redis.destroyForcibly();
                throw new IllegalStateException("redis-server did not start on port " + port + ": "
                        + Files.readString(redisDir.resolve("redis.log"), StandardCharsets.UTF_8)
                                .strip());
            }
            Thread.sleep(20);
        }
        return redis;
    }

    private boolean pong() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            OutputStream request = socket.getOutputStream();
            request.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            request.flush();
            InputStream reply = socket.getInputStream();
            byte[] answer = reply.readNBytes(5);
            return new String(answer, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException notYet) {
            return false;
        }
    }
}
