package io.cachet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The child JVMs of one multi-process test, and the directory they share: a cache root, a start
 * gate, the origin's log and their output files. On failure, every child's output is attached to
 * the error; after each test, a frozen child is thawed, every child still running is killed, and
 * the AUDIT ({@link CacheAudit}) runs on the cache, as {@link CacheFixture} does in process.
 */
public final class ChildJvms implements BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler {
    private final List<Jvm> started = new CopyOnWriteArrayList<>();
    private Path dir;
    private boolean foreignLockContentsAllowed;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("cachet-it-");
        FileStore store = Files.getFileStore(dir);
        // Lock semantics differ by platform and file system: say where this ran (as TestNioLock does).
        System.out.printf(
                "%s: Java %s on %s %s, %s is on %s (%s)%n",
                context.getDisplayName(),
                System.getProperty("java.version"),
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                dir,
                store.name(),
                store.type());
    }

    /** The test's directory. */
    public Path dir() {
        return dir;
    }

    /** The cache directory every child of this test uses (created by the first cache). */
    public Path root() {
        return dir.resolve("cache");
    }

    /** Starts a child whose output goes to this test's directory. */
    public Jvm start(Jvm.Spec spec) throws IOException {
        Jvm jvm = Jvm.start(spec, dir);
        started.add(jvm);
        return jvm;
    }

    /** This test planted content in a lock file on purpose (the engine must leave it alone). */
    public void allowForeignLockContents() {
        foreignLockContentsAllowed = true;
    }

    /** Every child's output, for a failure message. */
    public String reports() {
        return started.stream().map(Jvm::report).collect(Collectors.joining());
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        if (!started.isEmpty()) {
            failure.addSuppressed(new ChildOutput(reports()));
        }
        throw failure;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            for (Jvm jvm : started) {
                if (jvm.isAlive()) {
                    jvm.resume();
                    jvm.destroyForcibly();
                    jvm.awaitExit(Duration.ofSeconds(30));
                }
            }
            if (context.getExecutionException().isEmpty() && Files.isDirectory(root())) {
                assertThat(CacheAudit.problems(root(), false, foreignLockContentsAllowed))
                        .as(() -> "cache audit\n" + reports())
                        .isEmpty();
            }
        } finally {
            FileTree.deleteRecursively(dir);
        }
    }

    /** The children's output, attached to a failure. */
    private static final class ChildOutput extends Exception {
        private static final long serialVersionUID = 1L;

        ChildOutput(String output) {
            super("output of the child JVMs:\n" + output, null, false, false);
        }
    }
}
