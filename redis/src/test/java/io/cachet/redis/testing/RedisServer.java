package io.cachet.redis.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} (the Debian package) on a free loopback port, started by the test:
 * no persistence ({@code --save '' --appendonly no}), its log in a temporary directory. It can be
 * killed with SIGKILL mid-test and restarted on the same port, empty, as after a crash.
 *
 * <pre>{@code
 * @RegisterExtension final RedisServer redis = new RedisServer();
 *
 * RedisCluster cluster = RedisCluster.connect(redis.uri());
 * redis.kill();      // kill -9
 * redis.restart();   // same port, no data
 * redis.command("PUBSUB", "NUMSUB", "cachet:released");
 * }</pre>
 *
 * <p>As a JUnit extension it starts before each test and is killed after it. Outside JUnit use
 * {@link #start()} and {@link #close()}. If {@code redis-server} is not installed it fails with how
 * to install it: the fleet's tests never skip. {@code -Dcachet.redis.server=PATH} names another
 * binary.
 */
public final class RedisServer implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
    private static final long START_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final List<Process> started = new ArrayList<>();
    private Path dir;
    private int port;
    private Process process;

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** Starts the server on a free loopback port; idempotent. */
    public synchronized RedisServer start() {
        if (process != null) {
            return this;
        }
        try {
            dir = Files.createTempDirectory("cachet-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A port found free may be taken before redis binds it: then try another.
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            try {
                launch();
                return this;
            } catch (AssertionError e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Kills the server with SIGKILL, as a crash would, and waits until it is gone. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                throw new AssertionError("redis-server (pid " + process.pid() + ") did not die of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        process = null;
    }

    /** Starts the server again on the same port, with no data (nothing is persisted). */
    public synchronized void restart() {
        kill();
        launch();
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** Whether the server process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Sends one command on a fresh connection and returns the reply: a {@code String} for simple and
     * bulk strings (null for nil), a {@code Long} for integers, a {@code List} for arrays.
     *
     * @throws AssertionError if Redis answered with an error
     */
    public Object command(String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder b =
                    new StringBuilder().append('*').append(args.length).append("\r\n");
            for (String arg : args) {
                byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
                b.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
            }
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("redis at " + uri() + " did not answer " + List.of(args), e);
        }
    }

    /** The server's log so far, for assertion messages. */
    public String log() {
        try {
            Path log = dir.resolve("redis.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Kills the server and removes its directory; idempotent. */
    @Override
    public synchronized void close() {
        kill();
        for (Process p : started) {
            p.destroyForcibly();
        }
        started.clear();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A temporary directory left behind loses nothing.
            }
            dir = null;
        }
    }

    private void launch() {
        List<String> command = List.of(
                binary(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                dir.toString(),
                "--logfile",
                dir.resolve("redis.log").toString());
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        started.add(process);
        long deadline = System.nanoTime() + START_DEADLINE_NANOS;
        while (true) {
            if (!process.isAlive()) {
                String log = log();
                process = null;
                throw new AssertionError("redis-server exited at start on port " + port + ":\n" + log);
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (UncheckedIOException | AssertionError notYet) {
                // Not listening yet (or still loading): poll again.
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                process = null;
                throw new AssertionError("redis-server did not answer PING within 20s on port " + port + "\n" + log());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The redis-server binary, or an error saying how to install it. */
    static String binary() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "redis-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/redis-server"));
        candidates.add(Path.of("/usr/sbin/redis-server"));
        candidates.add(Path.of("/usr/local/bin/redis-server"));
        return binary(System.getProperty("cachet.redis.server"), candidates);
    }

    /** The configured binary, else the first executable candidate, else an error saying how to install one. */
    static String binary(String configured, List<Path> candidates) {
        if (configured != null && !configured.isBlank()) {
            if (!Files.isExecutable(Path.of(configured))) {
                throw new AssertionError("-Dcachet.redis.server=" + configured + " is not an executable file");
            }
            return configured;
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("redis-server is not installed, and the fleet's tests run against a real one:"
                + " install it with `sudo apt-get install redis-server` (Debian, Ubuntu; .ci/run does this on CI),"
                + " `brew install redis` (macOS), or name the binary with -Dcachet.redis.server=PATH");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object reply(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new AssertionError("redis answered with an error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    items.add(reply(in));
                }
                return items;
            }
            default:
                throw new IOException("not a RESP reply: " + (char) type + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed mid-reply");
            }
            b.append((char) c);
        }
        in.read(); // '\n'
        return b.toString();
    }
}
