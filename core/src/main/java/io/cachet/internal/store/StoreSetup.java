package io.cachet.internal.store;

import io.cachet.StorageException;
import io.cachet.internal.fs.Disk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a cache's directory layout and refuses one that is unsafe: a directory writable by
 * others without the sticky bit (anyone could replace its files), a symlinked sub-directory (it
 * could send cache files anywhere), a non-empty directory that is not a cache, or {@code tmp/} and
 * {@code blobs/} on different file systems (where the atomic move would fail). Warns once per
 * directory when it sits on a network or cluster file system whose locks may lie (see
 * docs/architecture.md, "Correct even when locks lie").
 */
final class StoreSetup {
    private static final Logger log = LoggerFactory.getLogger(StoreSetup.class);
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();
    private static final int OTHERS_WRITE = 0002;
    private static final int STICKY = 01000;
    private static final String MARKER_IN_PROGRESS = ".new";

    private StoreSetup() {}

    static Layout prepare(Path requested, Permissions permissions, Disk disk) {
        Path root = createRoot(requested, permissions, disk);
        Layout layout = new Layout(root);
        checkMarker(layout, permissions, disk);
        for (Path dir :
                new Path[] {layout.blobs().getParent(), layout.blobs(), layout.refs(), layout.tmp(), layout.locks()}) {
            ensureDirectory(dir, permissions, disk);
        }
        checkSameFileStore(layout);
        warnOnNetworkFileSystem(layout);
        return layout;
    }

    private static Path createRoot(Path requested, Permissions permissions, Disk disk) {
        try {
            Path absolute = requested.toAbsolutePath().normalize();
            if (!Files.exists(absolute)) {
                Files.createDirectories(absolute);
                disk.setMode(absolute, permissions.directory());
                disk.syncParentOf(absolute);
            }
            Path root = absolute.toRealPath();
            if (!Files.isDirectory(root)) {
                throw new StorageException(
                        root, "use", StorageException.Reason.UNSAFE_LAYOUT, "it is not a directory", null);
            }
            int mode = (Integer) Files.getAttribute(root, "unix:mode");
            if ((mode & OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new StorageException(
                        root,
                        "use",
                        StorageException.Reason.UNSAFE_LAYOUT,
                        "it is writable by every user (mode " + Integer.toOctalString(mode & 07777)
                                + "), so anyone could replace its files; remove write access for others (chmod o-w)",
                        null);
            }
            return root;
        } catch (IOException e) {
            throw StorageException.of(requested, "create the cache directory", e);
        }
    }

    /**
     * Checks, or writes, the marker that makes a directory a cache. Several processes may open a new
     * directory at once: each writes the marker before anything else, aside and renamed into place
     * (so it is never read half-written; renaming identical bytes over it is harmless), and a
     * directory whose only entries are such markers in progress counts as empty. Entries without a
     * marker are refused, unless the marker appeared meanwhile: then another process was
     * initialising the directory while this one looked.
     */
    private static void checkMarker(Layout layout, Permissions permissions, Disk disk) {
        Path marker = layout.root().resolve(Layout.MARKER);
        try {
            if (hasMarker(marker)) {
                return;
            }
            if (hasEntriesOtherThanMarkersInProgress(layout.root())) {
                if (hasMarker(marker)) {
                    return;
                }
                throw new StorageException(
                        layout.root(),
                        "use",
                        StorageException.Reason.UNSAFE_LAYOUT,
                        "it is not empty and is not a Cachet cache (no " + Layout.MARKER
                                + " file); point the cache at a" + " new or empty directory",
                        null);
            }
            Path temp = layout.root().resolve(Layout.MARKER + "." + Unique.next() + MARKER_IN_PROGRESS);
            try {
                disk.createFile(temp, Layout.MARKER_TEXT.getBytes(StandardCharsets.UTF_8), permissions.file());
                disk.move(temp, marker);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw StorageException.of(marker, "create", e);
        }
    }

    /** Whether the marker is there (and of this format); refuses another format. */
    private static boolean hasMarker(Path marker) throws IOException {
        String text;
        try {
            text = Files.readString(marker, StandardCharsets.UTF_8);
        } catch (NoSuchFileException absent) {
            return false;
        }
        if (!text.equals(Layout.MARKER_TEXT)) {
            throw new StorageException(
                    marker,
                    "use",
                    StorageException.Reason.UNSAFE_LAYOUT,
                    "it holds an unknown cache format (" + text.strip() + "); use a newer Cachet or another directory",
                    null);
        }
        return true;
    }

    private static boolean hasEntriesOtherThanMarkersInProgress(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString())
                    .anyMatch(name -> !(name.startsWith(Layout.MARKER + ".") && name.endsWith(MARKER_IN_PROGRESS)));
        }
    }

    private static void ensureDirectory(Path dir, Permissions permissions, Disk disk) {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    disk.createDirectory(dir, permissions.directory());
                    disk.syncParentOf(dir);
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Created by another process meanwhile; checked below.
                }
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException(
                        dir,
                        "use",
                        StorageException.Reason.UNSAFE_LAYOUT,
                        Files.isSymbolicLink(dir)
                                ? "it is a symbolic link, which could send cache files anywhere; replace it with a real directory"
                                : "it is not a directory",
                        null);
            }
        } catch (IOException e) {
            throw StorageException.of(dir, "create", e);
        }
    }

    private static void checkSameFileStore(Layout layout) {
        try {
            FileStore tmp = Files.getFileStore(layout.tmp());
            FileStore blobs = Files.getFileStore(layout.blobs());
            if (!tmp.equals(blobs)) {
                throw new StorageException(
                        layout.tmp(),
                        "use",
                        StorageException.Reason.UNSAFE_LAYOUT,
                        "it is on another file system than " + layout.blobs()
                                + ", so finished files cannot be moved into place"
                                + " atomically; keep the whole cache directory on one file system",
                        null);
            }
        } catch (IOException e) {
            throw StorageException.of(layout.tmp(), "inspect", e);
        }
    }

    private static void warnOnNetworkFileSystem(Layout layout) {
        try {
            warnIfNetworkFileSystem(
                    layout.root(), Files.getFileStore(layout.locks()).type());
        } catch (IOException ignored) {
            // The warning is advice; failing to read the type changes nothing.
        }
    }

    /**
     * Warns, once per cache root in this JVM, that {@code root} is on a file system of {@code type}
     * whose locks may lie.
     *
     * @return whether it warned now
     */
    static boolean warnIfNetworkFileSystem(Path root, String type) {
        String normalised = type.toLowerCase(Locale.ROOT);
        if (!isNetworkFileSystem(normalised) || !WARNED.add(root)) {
            return false;
        }
        log.warn(
                "Cache directory {} is on a {} file system, where file locks may not exclude other machines or may"
                        + " silently succeed for everyone. Cachet stays correct there (every writer verifies and publishes"
                        + " atomically) but may download the same artifact more than once.",
                root,
                normalised);
        return true;
    }

    static boolean isNetworkFileSystem(String type) {
        return type.startsWith("nfs")
                || type.startsWith("fuse")
                || type.equals("cifs")
                || type.equals("smb3")
                || type.equals("smbfs")
                || type.equals("lustre")
                || type.equals("gpfs")
                || type.equals("ceph")
                || type.equals("9p")
                || type.equals("afs")
                || type.equals("glusterfs");
    }
}
