package io.cachet.internal.store;

import io.cachet.Sha256;
import io.cachet.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk store of one cache root: the front door to {@link Layout}, key records, blobs and
 * part files. Every method blocks; the engine calls them on its I/O scheduler.
 */
public final class Store {
    private final Layout layout;
    private final Permissions permissions;
    private final Disk disk;
    private final java.nio.file.FileStore fileStore;

    private Store(Layout layout, Permissions permissions, Disk disk) {
        this.layout = layout;
        this.permissions = permissions;
        this.disk = disk;
        try {
            this.fileStore = Files.getFileStore(layout.tmp()); // Looked up once: it reads the mount table.
        } catch (IOException e) {
            throw StorageException.of(layout.tmp(), "inspect", e);
        }
    }

    /** Bytes this process may still write in the cache's file system. */
    public long usableSpace() throws IOException {
        return fileStore.getUsableSpace();
    }

    /**
     * Opens the store at {@code root}, creating its layout if needed and refusing a directory that
     * is not safe to use.
     *
     * @throws StorageException if it cannot be created or is unsafe
     */
    public static Store open(Path root, Permissions permissions, Disk disk) {
        return new Store(StoreSetup.prepare(root, permissions, disk), permissions, disk);
    }

    public Layout layout() {
        return layout;
    }

    public Permissions permissions() {
        return permissions;
    }

    public Disk disk() {
        return disk;
    }

    // ---- key records -------------------------------------------------------------------------

    /** The key record for {@code id}, or null if there is none (or it is unreadable). */
    public @Nullable RefFile readRef(KeyId id) throws IOException {
        return RefFile.from(RecordText.read(layout.ref(id), RefFile.HEADER));
    }

    /** Replaces the key record atomically. The caller makes {@code refs/} durable afterwards. */
    public void writeRef(KeyId id, RefFile ref) throws IOException {
        writeAtomically(layout.ref(id), ref.format(), permissions.file());
    }

    /** Marks the key as used now; best effort, for least-recently-used eviction. */
    public void touch(KeyId id) {
        try {
            Files.setLastModifiedTime(layout.ref(id), FileTime.from(Instant.now()));
        } catch (IOException | UnsupportedOperationException ignored) {
            // A missing or foreign-owned record keeps its old time; eviction order is a heuristic.
        }
    }

    /** Deletes a key record; the blob stays until it is collected. */
    public void deleteRef(KeyId id) throws IOException {
        Files.deleteIfExists(layout.ref(id));
    }

    /** Every readable key record, with its last use. */
    public List<StoredRef> refs() throws IOException {
        List<StoredRef> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.refs())) {
            for (Path path : dir) {
                String name = path.getFileName().toString();
                if (!name.matches("[0-9a-f]{64}")) {
                    continue;
                }
                RefFile ref = RefFile.from(RecordText.read(path, RefFile.HEADER));
                if (ref == null) {
                    continue;
                }
                Instant lastUsed;
                try {
                    lastUsed = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS)
                            .toInstant();
                } catch (NoSuchFileException raced) {
                    continue;
                }
                out.add(new StoredRef(new KeyId(name), ref, lastUsed));
            }
        }
        return out;
    }

    /** A key record as found on disk. */
    public record StoredRef(KeyId id, RefFile ref, Instant lastUsed) {}

    // ---- blobs -------------------------------------------------------------------------------

    /** Whether a regular blob of exactly {@code size} bytes (or any size, for -1) exists. */
    public boolean hasBlob(Sha256 sha256, long size) throws IOException {
        if (FileChecks.missing(layout.blob(sha256))) {
            return false; // Also when unreachable: the commit into that directory then fails, naming it.
        }
        try {
            BasicFileAttributes a =
                    Files.readAttributes(layout.blob(sha256), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && (size < 0 || a.size() == size);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** Every blob on disk, with its size. */
    public List<StoredBlob> blobs() throws IOException {
        List<StoredBlob> out = new ArrayList<>();
        try (DirectoryStream<Path> fanout = Files.newDirectoryStream(layout.blobs())) {
            for (Path sub : fanout) {
                if (!Files.isDirectory(sub, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> dir = Files.newDirectoryStream(sub)) {
                    for (Path blob : dir) {
                        String name = blob.getFileName().toString();
                        if (!name.matches("[0-9a-f]{64}")
                                || !name.startsWith(sub.getFileName().toString())) {
                            continue;
                        }
                        try {
                            BasicFileAttributes a =
                                    Files.readAttributes(blob, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                            if (a.isRegularFile()) {
                                out.add(new StoredBlob(new Sha256(name), blob, a.size()));
                            }
                        } catch (NoSuchFileException raced) {
                            // Evicted while we listed.
                        }
                    }
                }
            }
        }
        return out;
    }

    /** A blob as found on disk. */
    public record StoredBlob(Sha256 sha256, Path path, long size) {}

    // ---- part files ----------------------------------------------------------------------------

    /** A name no other writer, in any process, will choose: pid plus 64 random bits. */
    public String newUnique() {
        return ProcessIdentity.current().pid() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** The pid of the process that made {@code unique} with {@link #newUnique()}, or -1. */
    public static long ownerPid(String unique) {
        int dash = unique.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(unique.substring(0, dash)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Replaces a part's sidecar atomically. Not made durable: a lost sidecar only costs a resume. */
    public void writeSidecar(KeyId id, String unique, Sidecar sidecar) throws IOException {
        writeAtomically(layout.sidecar(id, unique), sidecar.format(), permissions.file());
    }

    /** The part files of {@code id} in {@code tmp/}, with their sidecars where readable. */
    public List<PartFile> parts(KeyId id) throws IOException {
        return PartFile.list(layout, id);
    }

    /** Deletes a part's sidecar, best effort; for a part that became a blob. */
    public void deleteSidecar(KeyId id, String unique) {
        deleteQuietly(layout.sidecar(id, unique));
    }

    /** Deletes a part and its sidecar, best effort. Only the holder of the key's lock calls this. */
    public void deletePart(KeyId id, String unique) {
        deleteQuietly(layout.part(id, unique));
        deleteQuietly(layout.sidecar(id, unique));
    }

    /**
     * Who is downloading {@code id} now, as a waiter sees it: the live owner of a part with the
     * most bytes, or null if no live owner has recorded one yet. Reads only {@code tmp/}, never the
     * lock file (RELIABILITY.md P9).
     */
    public @Nullable Holder holder(KeyId id) {
        Holder best = null;
        try {
            for (PartFile part : parts(id)) {
                Sidecar s = part.sidecar();
                if (s == null || s.owner().isProvablyGone()) {
                    continue;
                }
                if (best == null || part.size() > best.bytes()) {
                    best = new Holder(s.owner(), Math.max(part.size(), -1), s.length(), s.url());
                }
            }
        } catch (IOException e) {
            return null;
        }
        return best;
    }

    /**
     * What a waiter knows of the process downloading a key.
     *
     * @param bytes bytes in its part file, or -1 before it created one
     * @param total the artifact's size if the origin declared it, else -1
     */
    public record Holder(ProcessIdentity owner, long bytes, long total, String url) {}

    // ---- helpers -------------------------------------------------------------------------------

    private void writeAtomically(Path target, String text, int mode) throws IOException {
        Path temp = layout.tmp().resolve(target.getFileName() + "." + newUnique() + ".new");
        boolean moved = false;
        try {
            PrivateFiles.write(temp, text.getBytes(StandardCharsets.UTF_8));
            disk.setMode(temp, mode);
            disk.move(temp, target);
            moved = true;
        } catch (FileAlreadyExistsException impossible) {
            throw new IOException("temporary file " + temp + " already exists", impossible);
        } finally {
            if (!moved) {
                deleteQuietly(temp);
            }
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Best effort: a leftover temporary file is collected later and never published.
        }
    }

    /** The fields of a record file, for the tests of foreign and hostile contents. */
    static @Nullable Map<String, String> readFields(Path path, String header) throws IOException {
        return RecordText.read(path, header);
    }
}
