package io.cachet.testing;

import io.cachet.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The audit, run on a cache directory after a scenario: every blob hashes to its name
 * and is read-only; no part file is left behind (unless resumable parts are allowed, and then each
 * has its sidecar); no temporary record file is left; lock files live only in {@code locks/} and
 * are empty; no file descriptor of this process points into the cache.
 */
public final class CacheAudit {
    private CacheAudit() {}

    /** The problems found; empty when the cache is sound. */
    public static List<String> problems(Path root, boolean resumablePartsAllowed) throws IOException {
        return problems(root, resumablePartsAllowed, false);
    }

    /**
     * The problems found, where a test may have planted content in a lock file on purpose (the
     * engine must neither read it for decisions nor truncate it).
     */
    public static List<String> problems(Path root, boolean resumablePartsAllowed, boolean foreignLockContentsAllowed)
            throws IOException {
        List<String> problems = new ArrayList<>();
        Path blobs = root.resolve("blobs").resolve("sha256");
        if (Files.isDirectory(blobs)) {
            try (Stream<Path> files = Files.walk(blobs)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    String name = file.getFileName().toString();
                    if (!name.matches("[0-9a-f]{64}")
                            || !file.getParent().getFileName().toString().equals(name.substring(0, 2))) {
                        problems.add("unexpected file in blobs: " + file);
                        continue;
                    }
                    Sha256 actual = Bytes.sha256(Files.readAllBytes(file));
                    if (!actual.hex().equals(name)) {
                        problems.add("blob " + name + " holds bytes hashing to " + actual);
                    }
                    int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                    if ((mode & 0222) != 0) {
                        problems.add("blob " + name + " is writable: mode " + Integer.toOctalString(mode & 0777));
                    }
                }
            }
        }
        Path tmp = root.resolve("tmp");
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".part")) {
                        Path sidecar = tmp.resolve(name.substring(0, name.length() - ".part".length()) + ".meta");
                        if (!resumablePartsAllowed) {
                            problems.add("part file left behind: " + file);
                        } else if (!Files.exists(sidecar)) {
                            problems.add("part file without sidecar: " + file);
                        }
                    } else if (name.endsWith(".meta")) {
                        Path part = tmp.resolve(name.substring(0, name.length() - ".meta".length()) + ".part");
                        if (!Files.exists(part)) {
                            problems.add("sidecar without part file: " + file);
                        }
                    } else {
                        problems.add("temporary file left behind: " + file);
                    }
                }
            }
        }
        Path locks = root.resolve("locks");
        if (Files.isDirectory(locks)) {
            try (Stream<Path> files = Files.list(locks)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    if (!file.getFileName().toString().matches("(blob-)?[0-9a-f]{64}\\.lock")) {
                        problems.add("unexpected file in locks: " + file);
                    } else if (!foreignLockContentsAllowed
                            && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                            && Files.size(file) != 0) {
                        problems.add("lock file is not empty: " + file);
                    }
                }
            }
        }
        problems.addAll(openDescriptorsUnder(root));
        return problems;
    }

    /** Open file descriptors of this process that point under {@code root}. */
    public static List<String> openDescriptorsUnder(Path root) throws IOException {
        List<String> open = new ArrayList<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return open;
        }
        String prefix = root.toRealPath().toString();
        try (Stream<Path> entries = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) entries::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix)) {
                        open.add("file descriptor still open: " + target);
                    }
                } catch (IOException | UnsupportedOperationException vanished) {
                    // The descriptor closed while we listed.
                }
            }
        }
        return open;
    }
}
