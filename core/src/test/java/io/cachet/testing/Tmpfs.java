package io.cachet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A small tmpfs mounted for one test, to make a disk really fill up or turn read-only
 * (mounting one needs root). Needs root; without it the test is skipped, saying why. Register it before
 * a {@link CacheFixture} that lives inside it, so it is unmounted after the fixture's audit.
 */
public final class Tmpfs implements BeforeEachCallback, AfterEachCallback {
    private final String size;
    private Path mountPoint;
    private boolean mounted;

    public Tmpfs(String size) {
        this.size = size;
    }

    public Path path() {
        return mountPoint;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        mountPoint = Files.createTempDirectory("cachet-tmpfs-");
        int status = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", mountPoint.toString());
        Assumptions.assumeTrue(
                status == 0,
                "this test mounts a tmpfs to fill a disk for real, which needs root (mount exited " + status + ")");
        mounted = true;
    }

    /** Remounts read-only (true) or read-write (false). */
    public void readOnly(boolean readOnly) throws Exception {
        int status = run("mount", "-o", "remount," + (readOnly ? "ro" : "rw"), mountPoint.toString());
        if (status != 0) {
            throw new IllegalStateException("remount failed with " + status);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (mounted) {
            run("mount", "-o", "remount,rw", mountPoint.toString());
            run("umount", mountPoint.toString());
        }
        Files.deleteIfExists(mountPoint);
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
