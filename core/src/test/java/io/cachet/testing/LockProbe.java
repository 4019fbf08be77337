package io.cachet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A child process that asks the operating system, once, whether anyone holds the lock on a file:
 * it opens the file (never creating it, never following a symlink), tries an exclusive lock,
 * prints {@code BUSY} or {@code FREE}, and lets go at once. Another process is the only honest
 * witness of a process's POSIX locks, since a process never conflicts with its own.
 */
public final class LockProbe {
    private LockProbe() {}

    /** Runs a probe of {@code lock} in a child of {@code jvms}: {@code "BUSY"} or {@code "FREE"}. */
    public static String ask(ChildJvms jvms, Path lock) throws IOException {
        Jvm probe = jvms.start(Jvm.main(LockProbe.class, lock.toString()));
        assertThat(probe.awaitExit(Duration.ofSeconds(60))).as(probe::report).isZero();
        return probe.lines().get(0);
    }

    public static void main(String[] args) throws IOException {
        try (FileChannel channel =
                FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = channel.tryLock();
            System.out.println(lock == null ? "BUSY" : "FREE");
            if (lock != null) {
                lock.release();
            }
        }
    }
}
