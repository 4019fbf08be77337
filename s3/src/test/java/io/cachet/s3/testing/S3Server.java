package io.cachet.s3.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3-compatible server for tests: s3proxy with its filesystem backend, in a child JVM on a
 * free loopback port, behind an {@link S3FaultProxy} that can answer with errors and can enforce
 * {@code If-None-Match: *} as AWS S3 does (s3proxy 2.6.0 ignores it).
 *
 * <pre>{@code
 * @RegisterExtension static final S3Server s3 = new S3Server();
 *
 * String bucket = s3.newBucket();                 // a fresh bucket per test
 * S3Tier tier = S3Tier.builder().endpoint(s3.endpoint()).bucket(bucket)
 *         .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).build();
 * s3.proxy().failNext(3, 500);                    // the next three requests get HTTP 500
 * s3.corrupt(bucket, "cache/sha256/<hex>", 10);   // flips the byte at offset 10 on disk
 * }</pre>
 *
 * <p>As a JUnit extension, registered on a static field: the server starts once before the class's
 * tests and stops after them; before each test the proxy's faults are cleared. The s3proxy jar is
 * found through {@code -Dcachet.s3proxy.jar=PATH}, which the build sets (see the s3 module's pom: a
 * module using this harness resolves {@code org.gaul:s3proxy:jar-with-dependencies} the same way and
 * keeps it off the test class path, whose dependencies it would fight).
 */
public final class S3Server implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AutoCloseable {
    /** The access key s3proxy accepts. */
    public static final String ACCESS_KEY = "cachet-test-access";
    /** The secret key s3proxy accepts. */
    public static final String SECRET_KEY = "cachet-test-secret";

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private Path dir;
    private Path data;
    private Process process;
    private int port;
    private S3FaultProxy proxy;

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        proxy().reset();
    }

    /** Starts s3proxy and the proxy in front of it; idempotent. */
    public synchronized S3Server start() {
        if (process != null) {
            return this;
        }
        try {
            dir = Files.createTempDirectory("cachet-s3proxy-");
            data = Files.createDirectories(dir.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            try {
                launch();
                break;
            } catch (AssertionError e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
        proxy = S3FaultProxy.start(port, data);
        return this;
    }

    /** Where clients connect: the fault proxy, {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return proxy().endpoint();
    }

    /** s3proxy itself, without the fault proxy. */
    public URI directEndpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public synchronized S3FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("the S3 server is not started");
        }
        return proxy;
    }

    /** Creates a new, empty bucket and returns its name. */
    public String newBucket() {
        String name = "bucket-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        try {
            Files.createDirectories(data.resolve(name)); // the filesystem backend's containers are directories
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    /** The file in which the backend keeps {@code key} of {@code bucket}. */
    public Path file(String bucket, String key) {
        return data.resolve(bucket).resolve(key);
    }

    /** Whether the backend holds {@code key}. */
    public boolean exists(String bucket, String key) {
        return Files.isRegularFile(file(bucket, key));
    }

    /** The keys of {@code bucket}, as stored, sorted. */
    public List<String> keys(String bucket) {
        Path root = data.resolve(bucket);
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flips the byte at {@code offset} of the stored object, behind the server's back. */
    public void corrupt(String bucket, String key, long offset) {
        try (FileChannel channel =
                FileChannel.open(file(bucket, key), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) ~one.get(0)).rewind();
            channel.write(one, offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cuts the stored object to {@code size} bytes, behind the server's back. */
    public void truncate(String bucket, String key, long size) {
        try (FileChannel channel = FileChannel.open(file(bucket, key), StandardOpenOption.WRITE)) {
            channel.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** s3proxy's output so far, for assertion messages. */
    public String log() {
        try {
            Path log = dir.resolve("s3proxy.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Stops the proxy and s3proxy, and removes the stored objects; idempotent. */
    @Override
    public synchronized void close() {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A temporary directory left behind loses nothing.
            }
            dir = null;
        }
    }

    private void launch() {
        Path properties = dir.resolve("s3proxy.properties");
        try {
            Files.writeString(
                    properties,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=http://127.0.0.1:" + port,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem",
                            "jclouds.filesystem.basedir=" + data,
                            ""),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-jar",
                jar().toString(),
                "--properties",
                properties.toString()));
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile());
            builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                process = null;
                throw new AssertionError("s3proxy exited at start on port " + port + ":\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                return;
            } catch (IOException notYet) {
                // Not listening yet.
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                process = null;
                throw new AssertionError("s3proxy did not listen within 60s on port " + port + "\n" + log());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Path jar() {
        String configured = System.getProperty("cachet.s3proxy.jar");
        if (configured == null || configured.isBlank() || configured.startsWith("${")) {
            throw new AssertionError("-Dcachet.s3proxy.jar is not set: run the tests with Maven (the s3 module's pom"
                    + " resolves org.gaul:s3proxy:jar-with-dependencies and passes its path), or pass the path of"
                    + " s3proxy-2.6.0-jar-with-dependencies.jar yourself");
        }
        Path jar = Path.of(configured);
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("-Dcachet.s3proxy.jar=" + configured + " is not a file");
        }
        return jar;
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
}
