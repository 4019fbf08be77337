package io.cachet.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** An {@link Io} for in-process tests: captured streams, a chosen environment, a fake clock. */
final class TestIo {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private byte[] stdin = new byte[0];
    private boolean terminal;
    private Path home = Path.of("/home/test");

    /** Commands on the cache {@code dir/cache}, with {@code dir} as the home directory. */
    static TestIo forCacheIn(Path dir) {
        return new TestIo()
                .env("CACHET_CACHE_DIR", dir.resolve("cache").toString())
                .home(dir);
    }

    TestIo env(String name, String value) {
        env.put(name, value);
        return this;
    }

    TestIo stdin(String text) {
        stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    TestIo terminal() {
        terminal = true;
        return this;
    }

    TestIo home(Path home) {
        this.home = home;
        return this;
    }

    void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    Io io() {
        return new Io(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin),
                Map.copyOf(env),
                home,
                terminal,
                nanos::get,
                false);
    }

    /** Runs {@code cachet args...} in this JVM and returns the exit code. */
    int run(String... args) {
        return Main.run(args, io());
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    void reset() {
        out.reset();
        err.reset();
    }
}
