package io.cachet.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.fs.Disk;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, behaviour 6 (docs/architecture.md, "Correct even when locks lie"; docs/reliability.md F10): a cache on a network or cluster
 * file system, whose locks may lie, works but says so, once per directory.
 */
class StoreSetupTest {
    private static final String WARNING = "where file locks may not exclude other machines";
    private static final AtomicLong ROOTS = new AtomicLong();

    @Test
    void networkAndClusterFileSystemsAreRecognisedByTheirType() {
        assertThat(new String[] {"nfs", "nfs4", "lustre", "gpfs", "fuse.sshfs", "fuseblk", "cifs", "smb3", "ceph", "9p"
                })
                .allMatch(StoreSetup::isNetworkFileSystem);
        assertThat(new String[] {"ext4", "xfs", "btrfs", "tmpfs", "zfs", "overlay", "apfs"})
                .noneMatch(StoreSetup::isNetworkFileSystem);
    }

    @Test
    void aCacheOnANetworkFileSystemIsWarnedAboutOncePerDirectory() {
        Path root = freshRoot();
        Path other = freshRoot();

        String output = stderrOf(() -> {
            assertThat(StoreSetup.warnIfNetworkFileSystem(root, "nfs4"))
                    .as("first")
                    .isTrue();
            assertThat(StoreSetup.warnIfNetworkFileSystem(root, "NFS4"))
                    .as("again")
                    .isFalse();
            assertThat(StoreSetup.warnIfNetworkFileSystem(root, "lustre"))
                    .as("again, whatever the type")
                    .isFalse();
            assertThat(StoreSetup.warnIfNetworkFileSystem(other, "lustre"))
                    .as("another directory")
                    .isTrue();
            return null;
        });

        assertThat(output.lines().filter(l -> l.contains(WARNING))).hasSize(2);
        assertThat(output).contains("Cache directory " + root + " is on a nfs4 file system");
        assertThat(output).contains("Cache directory " + other + " is on a lustre file system");
        assertThat(output).contains("may download the same artifact more than once");
    }

    @Test
    void aCacheOnALocalFileSystemIsNotWarnedAbout(@TempDir Path dir) throws Exception {
        assertThat(StoreSetup.warnIfNetworkFileSystem(freshRoot(), "ext4")).isFalse();
        String type = Files.getFileStore(dir).type();

        String output = stderrOf(() -> Store.open(dir.resolve("cache"), false, Disk.REAL));

        assertThat(output).as("opening a cache on %s", type).doesNotContain(WARNING);
    }

    @Test
    void manyProcessesOpeningANewCacheDirectoryAtOnceAllSucceed(@TempDir Path dir) throws Exception {
        // Threads stand in for processes: the race is in the file system, not in this JVM.
        int openers = 8;
        ExecutorService threads = Executors.newFixedThreadPool(openers);
        try {
            for (int round = 0; round < 40; round++) {
                Path root = dir.resolve("cache-" + round);
                CyclicBarrier together = new CyclicBarrier(openers);
                List<Future<Store>> opened = new ArrayList<>();
                for (int i = 0; i < openers; i++) {
                    opened.add(threads.submit(() -> {
                        together.await();
                        return Store.open(root, false, Disk.REAL);
                    }));
                }
                for (Future<Store> store : opened) {
                    assertThat(store.get(10, TimeUnit.SECONDS).root()).isEqualTo(root.toRealPath());
                }
                assertThat(Files.readString(root.resolve(Layout.MARKER))).isEqualTo(Layout.MARKER_TEXT);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static Path freshRoot() {
        return Path.of("/nowhere/cache-" + ROOTS.incrementAndGet() + "-" + System.nanoTime());
    }

    /** What slf4j-simple (which writes to the current System.err) printed while {@code body} ran. */
    private static String stderrOf(Supplier<?> body) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.get();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
