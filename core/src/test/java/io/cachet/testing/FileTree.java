package io.cachet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What is on disk under a directory, entry by entry (inode, type, size, mode, modification time,
 * directories included), to show that a process changed nothing: no file created, deleted,
 * replaced, truncated or written, not even a temporary one (a directory's time would move).
 */
public final class FileTree {
    private FileTree() {}

    /** One entry's identity and state. */
    public record Entry(Object inode, String type, long size, int mode, long modifiedNanos) {}

    /** Every entry under {@code root}, by relative path. */
    public static Map<String, Entry> snapshot(Path root) throws IOException {
        Map<String, Entry> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                try {
                    PosixFileAttributes a =
                            Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    String type = a.isDirectory()
                            ? "dir"
                            : a.isSymbolicLink() ? "link" : a.isRegularFile() ? "file" : "other";
                    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                    entries.put(
                            root.relativize(p).toString(),
                            new Entry(
                                    a.fileKey(),
                                    type,
                                    a.size(),
                                    mode,
                                    a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)));
                } catch (NoSuchFileException vanished) {
                    // Gone while we walked: absent from the snapshot, which is what it is.
                }
            }
        }
        return entries;
    }

    /** The inode of {@code path}, without following a symlink. */
    public static Object inode(Path path) throws IOException {
        return Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** Deletes {@code dir} and everything under it, if it exists. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The permission bits (and setuid, setgid, sticky) of {@code path}. */
    public static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
