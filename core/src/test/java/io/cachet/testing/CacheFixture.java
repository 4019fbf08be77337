package io.cachet.testing;

import io.cachet.Cache;
import io.cachet.TestAccess;
import io.cachet.internal.Engine;
import io.cachet.internal.lock.LockManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh cache directory and {@link FaultyOrigin} per test, and after each test: every cache
 * closed, then the AUDIT ({@link CacheAudit}), no flight or lock left in this JVM, no
 * {@code cachet-io} thread alive, and no event-invariant violation. This is Caffeine's
 * CacheValidationInterceptor for Cachet.
 */
public final class CacheFixture implements BeforeEachCallback, AfterEachCallback {
    public final FaultyOrigin origin = new FaultyOrigin();
    private final List<Cache> caches = new ArrayList<>();
    private final List<EventRecorder> recorders = new ArrayList<>();
    private final java.util.function.Supplier<Path> parent;
    private Path root;
    private final List<Path> otherRoots = new ArrayList<>();
    private boolean resumablePartsAllowed;
    private boolean foreignLockContentsAllowed;

    /** A fixture whose caches live in a new temporary directory. */
    public CacheFixture() {
        this(null);
    }

    /** A fixture whose caches live in a new directory under {@code parent} (such as a tmpfs). */
    public CacheFixture(java.util.function.Supplier<Path> parent) {
        this.parent = parent;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        Path base = parent == null
                ? Files.createTempDirectory("cachet-test-")
                : Files.createTempDirectory(parent.get(), "test-");
        root = base.resolve("cache");
    }

    /** The cache directory (created by the first cache). */
    public Path root() {
        return root;
    }

    /**
     * Another cache directory beside {@link #root()}, such as another host's, audited like it after
     * the test (open its caches with {@link #open(Cache.Builder)} so they are closed first).
     */
    public Path anotherRoot(String name) {
        Path other = root.resolveSibling(name);
        otherRoots.add(other);
        return other;
    }

    /** A builder on this test's directory and origin. */
    public Cache.Builder builder() {
        return Cache.builder().root(root).origin(origin);
    }

    /** Builds, remembers (to close and audit) and starts recording events of a cache. */
    public Cache open(Cache.Builder builder) {
        Cache cache = builder.build();
        caches.add(cache);
        return cache;
    }

    public Cache open() {
        return open(builder());
    }

    /** Builds a cache whose file-system operations go through {@code disk}; jitter is 0. */
    public Engine open(Cache.Builder builder, FaultyDisk disk) {
        Engine engine = Engine.start(TestAccess.settings(builder), disk, () -> 0.5);
        caches.add(engine);
        return engine;
    }

    /**
     * Parallel ranges that start with all {@code connections} at once (no ramp to wait for), for
     * anything over 1 MiB, split down to 256 KiB.
     */
    public static io.cachet.internal.fetch.Download.Parallelism allAtOnce(int connections) {
        return new io.cachet.internal.fetch.Download.Parallelism(
                connections, connections, 1024 * 1024, 256 * 1024, java.time.Duration.ofMillis(250));
    }

    /** Builds a cache whose downloads in ranges use {@code parallelism} (to start with several connections). */
    public Engine open(Cache.Builder builder, io.cachet.internal.fetch.Download.Parallelism parallelism) {
        Engine engine = Engine.start(
                TestAccess.settings(builder),
                io.cachet.internal.fs.Disk.REAL,
                () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble(),
                parallelism);
        caches.add(engine);
        return engine;
    }

    /** Records {@code cache}'s events; checked for invariant violations after the test. */
    public EventRecorder record(Cache cache) {
        EventRecorder recorder = EventRecorder.record(cache);
        recorders.add(recorder);
        return recorder;
    }

    /** This test leaves resumable part files on purpose (with their sidecars). */
    public void allowResumableParts() {
        resumablePartsAllowed = true;
    }

    /** This test planted content in a lock file on purpose (the engine must leave it alone). */
    public void allowForeignLockContents() {
        foreignLockContentsAllowed = true;
    }

    private List<Path> audited() {
        List<Path> all = new ArrayList<>(List.of(root));
        all.addAll(otherRoots);
        return all;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        // Every cache is closed whatever else fails, so one failing test never leaks into the next.
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        try {
            for (Cache cache : caches) {
                if (cache instanceof Engine engine) {
                    // A flight that a test followed only through events (or whose callers all cancelled) may
                    // still be releasing its lock as the test ends; a leaked one never ends.
                    try {
                        Await.until(
                                "every flight has ended and released its lock",
                                () -> engine.flightsInFlight() == 0 && engine.locksHeld() == 0);
                    } catch (AssertionError leaked) {
                        soft.assertThat(engine.flightsInFlight())
                                .as("flights still running at the end of the test")
                                .isZero();
                        soft.assertThat(engine.locksHeld())
                                .as("locks still held at the end of the test")
                                .isZero();
                    }
                }
            }
            for (Cache cache : caches) {
                cache.close();
            }
            recorders.forEach(EventRecorder::close);
            for (EventRecorder recorder : recorders) {
                soft.assertThat(recorder.violations()).as("event invariants").isEmpty();
            }
            for (Path audited : audited()) {
                if (Files.isDirectory(audited)) {
                    soft.assertThat(CacheAudit.problems(audited, resumablePartsAllowed, foreignLockContentsAllowed))
                            .as("cache audit of %s", audited.getFileName())
                            .isEmpty();
                    soft.assertThat(LockManager.inUse(audited.toRealPath().resolve("locks")))
                            .as("JVM lock table entries of %s", audited.getFileName())
                            .isZero();
                }
            }
            soft.assertThat(Thread.getAllStackTraces().keySet())
                    .as("cachet-io threads alive after close")
                    .noneMatch(t -> t.isAlive() && t.getName().startsWith("cachet-io-"));
            soft.assertAll();
        } finally {
            FileTree.deleteRecursively(root.getParent());
        }
    }
}
