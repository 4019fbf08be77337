package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.FileTree;
import io.cachet.testing.Jvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 3, behaviour 9 (docs/reliability.md I11, F12, S13): the modes of what a cache creates come
 * from its configuration, not from the umask: blobs read-only, lock files and key records
 * group-writable and directories set-group-ID in a cache shared with a group, and nothing ever
 * writable by others. Two real users of one group share a cache, each taking the other's locks.
 */
@Timeout(120)
class SharedCacheIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int GROUP = 4242;
    private static final String KEY = "shared-model";

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private final byte[] body = Bytes.random(256 * 1024, 9);
    private final Sha256 sha = Bytes.sha256(body);

    @ParameterizedTest
    @ValueSource(strings = {"000", "022", "077"})
    void aCacheSharedWithTheGroupGivesTheGroupWhatItNeedsAndOthersNoWriteAccessWhateverTheUmask(String umask)
            throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Jvm worker = jvms.start(underUmask(
                umask,
                CacheWorker.on(
                        jvms.root(),
                        artifact,
                        jvms.dir().resolve("origin.log"),
                        "--key=" + KEY,
                        "--sha=" + sha.hex(),
                        "--shared-with-group")));
        assertThat(worker.awaitExit(PATIENCE)).as(worker::report).isEqualTo(CacheWorker.OK);

        Path root = jvms.root();
        assertThat(FileTree.mode(CacheFiles.blob(root, sha))).as("blob").isEqualTo(0444);
        assertThat(FileTree.mode(CacheFiles.lockFile(root, KEY)))
                .as("lock file")
                .isEqualTo(0664);
        assertThat(FileTree.mode(ref(root))).as("key record").isEqualTo(0664);
        for (Path dir : directories(root)) {
            assertThat(FileTree.mode(dir)).as("directory %s", dir).isEqualTo(02775);
        }
        assertThat(modes(root))
                .as("nothing writable by others")
                .allSatisfy((path, mode) -> assertThat(mode & 0002).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = {"000", "022", "077"})
    void aPrivateCacheIsWritableByItsOwnerOnlyWhateverTheUmask(String umask) throws Exception {
        Path artifact = Files.write(jvms.dir().resolve("model.bin"), body);
        Jvm worker = jvms.start(underUmask(
                umask,
                CacheWorker.on(
                        jvms.root(),
                        artifact,
                        jvms.dir().resolve("origin.log"),
                        "--key=" + KEY,
                        "--sha=" + sha.hex())));
        assertThat(worker.awaitExit(PATIENCE)).as(worker::report).isEqualTo(CacheWorker.OK);

        Path root = jvms.root();
        assertThat(FileTree.mode(CacheFiles.blob(root, sha))).as("blob").isEqualTo(0444);
        assertThat(FileTree.mode(CacheFiles.lockFile(root, KEY)))
                .as("lock file")
                .isEqualTo(0644);
        assertThat(FileTree.mode(ref(root))).as("key record").isEqualTo(0644);
        for (Path dir : directories(root)) {
            assertThat(FileTree.mode(dir)).as("directory %s", dir).isEqualTo(0755);
        }
        assertThat(modes(root))
                .as("nothing writable by group or others")
                .allSatisfy((path, mode) -> assertThat(mode & 0022).isZero());
    }

    @Test
    void twoUsersOfOneGroupShareACacheTakingEachOthersLocksAndReadingEachOthersBlobs() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to run as other users");
        Assumptions.assumeTrue(
                (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0,
                "needs root to run children as other users");
        Path dir = jvms.dir();
        Files.setAttribute(dir, "unix:mode", 0755);
        Path root = Files.createDirectory(jvms.root());
        Files.setAttribute(root, "unix:gid", GROUP);
        Files.setAttribute(root, "unix:mode", 02775);
        Path log = Files.createFile(dir.resolve("origin.log"));
        Files.setAttribute(log, "unix:mode", 0666);
        String classes = Jvm.portableClassPath(Files.createDirectory(dir.resolve("classpath")));
        Path missing = dir.resolve("model.bin");

        // The first user's download fails (no such file yet), leaving the key's lock file, its own.
        Jvm first = jvms.start(
                asUser(4243, CacheWorker.on(root, missing, log, "--key=" + KEY, "--shared-with-group"), classes));
        assertThat(first.awaitExit(PATIENCE)).as(first::report).isEqualTo(CacheWorker.OTHER);
        assertThat(first.lines()).as(first::report).anyMatch(l -> l.startsWith("ERROR OriginException"));
        Path lock = CacheFiles.lockFile(root, KEY);
        assertThat(Files.getAttribute(lock, "unix:uid")).isEqualTo(4243);

        // The second user must open that lock file for writing to lock it.
        Files.write(missing, body);
        Jvm second = jvms.start(asUser(
                4244,
                CacheWorker.on(root, missing, log, "--key=" + KEY, "--sha=" + sha.hex(), "--shared-with-group"),
                classes));
        assertThat(second.awaitExit(PATIENCE)).as(second::report).isEqualTo(CacheWorker.OK);
        assertThat(second.lines()).as(second::report).anyMatch(l -> l.startsWith("RESULT DOWNLOADED "));

        Path record = ref(root);
        java.nio.file.attribute.FileTime longAgo =
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofDays(30)));
        Files.setLastModifiedTime(record, longAgo);
        byte[] recorded = Files.readAllBytes(record);
        Jvm again = jvms.start(asUser(
                4243,
                CacheWorker.on(root, missing, log, "--key=" + KEY, "--sha=" + sha.hex(), "--shared-with-group"),
                classes));
        assertThat(again.awaitExit(PATIENCE)).as(again::report).isEqualTo(CacheWorker.OK);
        assertThat(again.lines()).as(again::report).anyMatch(l -> l.startsWith("RESULT HIT "));
        assertThat(Files.getLastModifiedTime(record))
                .as("the other user's hit marked the record used, though only its owner may set its times")
                .isGreaterThan(longAgo);
        assertThat(Files.readAllBytes(record)).isEqualTo(recorded);
        assertThat(Files.getAttribute(record, "unix:uid")).isEqualTo(4244);

        Path blob = CacheFiles.blob(root, sha);
        assertThat(Files.getAttribute(blob, "unix:uid")).isEqualTo(4244);
        assertThat(FileTree.mode(blob)).isEqualTo(0444);
        assertThat(FileTree.mode(lock)).isEqualTo(0664);
        for (Path p : modes(root).keySet()) {
            assertThat(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS))
                    .as("group of %s", p)
                    .isEqualTo(GROUP);
        }
        assertThat(modes(root))
                .as("nothing writable by others")
                .allSatisfy((path, mode) -> assertThat(mode & 0002).isZero());
    }

    /**
     * Runs {@code spec} under {@code umask}: 000 lets creation give every mode as asked, 022 (the usual
     * one) clears bits a shared cache needs, 077 clears bits every cache needs; the modes that result
     * must be the configured ones in all three.
     */
    private static Jvm.Spec underUmask(String umask, Jvm.Spec spec) {
        return spec.wrappedIn("sh", "-c", "umask " + umask + "; exec \"$@\"", "sh");
    }

    private static Jvm.Spec asUser(int uid, Jvm.Spec spec, String classPath) {
        return spec.onClassPath(classPath).wrappedIn("setpriv", "--reuid=" + uid, "--regid=" + GROUP, "--clear-groups");
    }

    private Path ref(Path root) {
        return CacheFiles.ref(root, KEY);
    }

    private Path[] directories(Path root) {
        return new Path[] {
            root,
            root.resolve("blobs"),
            root.resolve("blobs/sha256"),
            CacheFiles.blob(root, sha).getParent(),
            root.resolve("refs"),
            root.resolve("tmp"),
            root.resolve("locks")
        };
    }

    /** Every path under {@code root} with its mode. */
    private static Map<Path, Integer> modes(Path root) throws IOException {
        Map<Path, Integer> modes = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                modes.put(p, FileTree.mode(p));
            }
        }
        return modes;
    }
}
