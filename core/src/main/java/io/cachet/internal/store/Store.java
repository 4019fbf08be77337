package io.cachet.internal.store;

import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.fs.Disk;
import io.cachet.spi.Validators;
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
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk store of one cache root, and the only way into it: key records, blobs, part files
 * and their sidecars, and the rule that says whose temporary files may be touched. Every method
 * blocks; the engine calls them on its I/O threads.
 *
 * <p>Why this class is long: it is the package's one door. The formats live in {@link
 * RecordFiles} and {@link RecordText}, the paths in {@link Layout}, the process rules in {@link
 * Processes}, the set-up checks in {@link StoreSetup}; what is here is each operation the engine
 * needs, and the small value types they take and return (nested, so that the package exposes one
 * type).
 *
 * <p>Temporary names: everything Cachet writes before renaming it into place is named {@code
 * tmp/<id>.<unique>.<suffix>} ({@code .part}, {@code .meta}, {@code .new}), where {@code <unique>}
 * starts with the writer's pid and a short hash of its host ({@link #newUnique()}), so any of them
 * can be collected once its owner is provably gone ({@link #collectLeftovers()}).
 */
public final class Store {
    private static final int OWNER_WRITE = 0200;

    private final Layout layout;
    private final Permissions permissions;
    private final Disk disk;
    private final java.nio.file.FileStore fileStore;
    private final TmpNames tmpNames;
    // Fan-out directories seen by this process: true once their entry is durable (ensureBlobDirectory).
    private final java.util.concurrent.ConcurrentMap<Path, Boolean> fanOuts =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Store(Layout layout, Permissions permissions, Disk disk) {
        this.layout = layout;
        this.permissions = permissions;
        this.disk = disk;
        this.tmpNames = new TmpNames(layout.tmp());
        try {
            this.fileStore = Files.getFileStore(layout.tmp()); // Looked up once: it reads the mount table.
        } catch (IOException e) {
            throw StorageException.of(layout.tmp(), "inspect", e);
        }
    }

    /**
     * Opens the store at {@code root}, creating its layout if needed and refusing a directory that
     * is not safe to use.
     *
     * @throws StorageException if it cannot be created or is unsafe
     */
    public static Store open(Path root, boolean sharedWithGroup, Disk disk) {
        Permissions permissions = Permissions.of(sharedWithGroup);
        return new Store(StoreSetup.prepare(root, permissions, disk), permissions, disk);
    }

    /** The canonical cache directory. */
    public Path root() {
        return layout.root();
    }

    /** {@code tmp/}, for messages about space. */
    public Path tmp() {
        return layout.tmp();
    }

    /** {@code refs/}, whose entries a commit makes durable. */
    public Path refs() {
        return layout.refs();
    }

    /** The canonical {@code locks/} directory. */
    public Path locks() {
        return layout.locks();
    }

    /** The lock file of a key, or of any other name under {@code locks/}. */
    public Path lockFile(String name) {
        return layout.lockFile(name);
    }

    /** The mode lock files are created with. */
    public int lockMode() {
        return permissions.lock();
    }

    /** The mode part files are created with. */
    public int partMode() {
        return permissions.part();
    }

    /** The file-system seam, for the stages that write through it. */
    public Disk disk() {
        return disk;
    }

    /** Bytes this process may still write in the cache's file system. */
    public long usableSpace() throws IOException {
        return fileStore.getUsableSpace();
    }

    // ---- key records -------------------------------------------------------------------------

    /** Where the record of {@code id} lives (its inode tells a re-pointed key apart). */
    public Path recordPath(KeyId id) {
        return layout.ref(id);
    }

    /** The key record for {@code id}, or null if there is none (or it is unreadable). */
    public @Nullable Record readRecord(KeyId id) throws IOException {
        return RecordFiles.record(RecordText.read(layout.ref(id), RecordFiles.RECORD_HEADER));
    }

    /** Replaces the key record atomically. The caller makes {@code refs/} durable afterwards. */
    public void writeRecord(KeyId id, Record record) throws IOException {
        writeAtomically(layout.ref(id), RecordFiles.format(record), permissions.file());
    }

    /**
     * Writes a key record aside in {@code tmp/}, ready to be renamed into place by {@link
     * #publishRecord}: the part of a commit that needs space, done before anything is published.
     */
    public StagedRecord stageRecord(KeyId id, Record record) throws IOException {
        Path temp = layout.tmp().resolve(id.hex() + "." + newUnique() + Layout.NEW_SUFFIX);
        disk.createFile(temp, RecordFiles.format(record).getBytes(StandardCharsets.UTF_8), permissions.file());
        return new StagedRecord(id, temp);
    }

    /** Renames a staged record into {@code refs/}. The caller makes {@code refs/} durable afterwards. */
    public void publishRecord(StagedRecord staged) throws IOException {
        disk.move(staged.path(), layout.ref(staged.id()));
    }

    /** Deletes a staged record that will not be published. */
    public void discard(StagedRecord staged) {
        deleteQuietly(staged.path());
    }

    /** The digests that records staged in {@code tmp/} (commits in progress) are about to name. */
    public java.util.Set<Sha256> pendingDigests() throws IOException {
        java.util.Set<Sha256> out = new java.util.HashSet<>();
        for (Path staged : Listing.temporaries(layout)) {
            Record record = RecordFiles.record(RecordText.read(staged, RecordFiles.RECORD_HEADER));
            if (record != null) {
                out.add(record.sha256());
            }
        }
        return out;
    }

    /** Makes the entries of {@code refs/} durable, after records were deleted. */
    public void syncRecords() throws IOException {
        disk.syncDirectory(layout.refs());
    }

    /**
     * Marks the key as used now; best effort, for least-recently-used eviction. Only a file's owner
     * may set its times, so another user's record (in a cache shared with a group) is marked by
     * writing its first byte back in place through one descriptor: the same byte into the same inode,
     * which only updates the modification time, and which anyone allowed to write the record may do.
     */
    public void touch(KeyId id) {
        Path record = layout.ref(id);
        try {
            Files.setLastModifiedTime(record, FileTime.from(Instant.now()));
        } catch (NoSuchFileException | UnsupportedOperationException gone) {
            // Nothing to mark.
        } catch (IOException notOwner) {
            rewriteFirstByte(record);
        }
    }

    private static void rewriteFirstByte(Path file) {
        try {
            if (!Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isRegularFile()) {
                return;
            }
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                    file,
                    java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(1);
                if (channel.read(first, 0) == 1) {
                    channel.write(first.flip(), 0);
                }
            }
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not writable by this user either: the record keeps its old time; eviction order is a heuristic.
        }
    }

    /** Deletes a key record; the blob stays until it is collected. */
    public void deleteRecord(KeyId id) throws IOException {
        Files.deleteIfExists(layout.ref(id));
    }

    /** Every readable key record, with its last use. */
    public List<StoredRecord> records() throws IOException {
        List<StoredRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.refs())) {
            for (Path path : dir) {
                String name = path.getFileName().toString();
                if (!KeyId.isHex(name)) {
                    continue;
                }
                Record record = RecordFiles.record(RecordText.read(path, RecordFiles.RECORD_HEADER));
                if (record == null) {
                    continue;
                }
                try {
                    Instant lastUsed = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS)
                            .toInstant();
                    out.add(new StoredRecord(new KeyId(name), record, lastUsed));
                } catch (NoSuchFileException raced) {
                    // Removed while we listed.
                }
            }
        }
        return out;
    }

    // ---- blobs -------------------------------------------------------------------------------

    /** Where the blob {@code sha256} lives. */
    public Path blobPath(Sha256 sha256) {
        return layout.blob(sha256);
    }

    /** The size of the regular blob {@code sha256}, or -1 if there is none. */
    public long blobSize(Sha256 sha256) throws IOException {
        Path blob = layout.blob(sha256);
        if (Disk.missing(blob)) {
            return -1; // Also when unreachable: the commit into that directory then fails, naming it.
        }
        try {
            BasicFileAttributes a = Files.readAttributes(blob, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a.size() : -1;
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    /** Whether a regular blob of exactly {@code size} bytes (or any size, for -1) exists. */
    public boolean hasBlob(Sha256 sha256, long size) throws IOException {
        long actual = blobSize(sha256);
        return actual >= 0 && (size < 0 || actual == size);
    }

    /**
     * Moves a verified, synced and closed part into place as the blob {@code sha256}: read-only mode
     * first (so the name never shows another mode; a part is created with it, and only an adopted
     * part or a umask that narrowed it needs a {@code chmod} here), its fan-out directory created if
     * needed, then one atomic rename (a blob already there has the same bytes, so replacing it is
     * harmless).
     *
     * @return the directories whose entries the caller makes durable: the blob's, and {@code
     *     blobs/sha256/} too while the blob's directory is new (then {@link #fanOutDurable} once synced)
     */
    public List<Path> publishBlob(Path part, Sha256 sha256) throws IOException {
        if (mode(part) != permissions.blob()) {
            disk.setMode(part, permissions.blob());
        }
        Path directory = layout.blobDirectory(sha256);
        boolean durable = ensureBlobDirectory(directory);
        try {
            disk.move(part, layout.blob(sha256));
        } catch (NoSuchFileException gone) {
            // The fan-out directory was known here but removed meanwhile (the cache emptied by hand).
            fanOuts.remove(directory);
            durable = ensureBlobDirectory(directory);
            disk.move(part, layout.blob(sha256));
        }
        return durable ? List.of(directory) : List.of(directory, directory.getParent());
    }

    /** Records that the entry of the new fan-out directory {@code directory} is durable in its parent. */
    public void fanOutDurable(Path directory) {
        fanOuts.put(directory, Boolean.TRUE);
    }

    /**
     * Creates {@code blobs/sha256/ab/} on first use. Its entry in the parent is not synced here: the
     * caller syncs the parent with the blob's own directory, in the same group of syncs.
     *
     * <p>What is known of each fan-out directory is kept ({@link #fanOuts}), so that a commit looks at
     * it once per process, not once per blob: {@code true} once its entry is known durable (found
     * there, or synced), {@code false} while its creation awaits the sync of its parent, which every
     * commit into it then asks for too (a group commit makes that one {@code fsync}), so that no blob
     * is reported durable while its directory's entry may not be.
     *
     * @return whether its entry in the parent is known durable
     */
    private boolean ensureBlobDirectory(Path directory) throws IOException {
        Boolean known = fanOuts.get(directory);
        if (known != null) {
            return known;
        }
        if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            Boolean before = fanOuts.putIfAbsent(directory, Boolean.TRUE);
            return before == null || before;
        }
        fanOuts.put(directory, Boolean.FALSE); // Before mkdir: a thread that then sees it here syncs too.
        try {
            disk.createDirectory(directory, permissions.directory());
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                fanOuts.remove(directory);
                throw new IOException(directory + " exists and is not a directory", raced);
            }
        } catch (IOException e) {
            fanOuts.remove(directory);
            throw e;
        }
        return false;
    }

    /** Every blob on disk, with its size and modification time. */
    public List<Blob> blobs() throws IOException {
        return Listing.blobs(layout);
    }

    /** The blob {@code sha256} as it is now, if it is there. */
    public java.util.Optional<Blob> blobs(Sha256 sha256) throws IOException {
        Path path = layout.blob(sha256);
        if (Disk.missing(path)) {
            return java.util.Optional.empty();
        }
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile()
                    ? java.util.Optional.of(new Blob(
                            sha256, path, a.size(), a.lastModifiedTime().toInstant()))
                    : java.util.Optional.empty();
        } catch (NoSuchFileException e) {
            return java.util.Optional.empty();
        }
    }

    /** Deletes a blob and makes the deletion durable. */
    public void deleteBlob(Blob blob) throws IOException {
        Files.deleteIfExists(blob.path());
        disk.syncParentOf(blob.path());
    }

    /**
     * Moves a blob aside into {@code quarantine/} by rename (never truncating or writing it), so the
     * next fetch downloads it again.
     *
     * @return where it went
     */
    public Path quarantine(Blob blob) throws IOException {
        Path quarantine = layout.quarantine();
        if (!Files.isDirectory(quarantine, LinkOption.NOFOLLOW_LINKS)) {
            try {
                disk.createDirectory(quarantine, permissions.directory());
            } catch (FileAlreadyExistsException raced) {
                // Another process made it meanwhile.
            }
        }
        Path target =
                quarantine.resolve(blob.sha256().hex() + "." + Instant.now().toEpochMilli());
        disk.move(blob.path(), target);
        disk.syncParentOf(blob.path());
        disk.syncDirectory(quarantine);
        return target;
    }

    /** The blobs in {@code quarantine/}, with when each was put there. */
    public List<Quarantined> quarantined() throws IOException {
        return Listing.quarantined(layout);
    }

    /** Deletes a quarantined blob; false if it was gone already. */
    public boolean deleteQuarantined(Quarantined blob) throws IOException {
        return Files.deleteIfExists(blob.path());
    }

    /** What {@code tmp/} holds, in bytes: part files of downloads in progress or kept for a resume. */
    public long tmpBytes() throws IOException {
        return Listing.bytesIn(layout.tmp());
    }

    // ---- part files ----------------------------------------------------------------------------

    /**
     * A name no other writer, in any process or on any host sharing the directory, will choose:
     * {@code <pid>-<host hash>-<64 random bits>}, so that its owner can be told from the name alone.
     */
    public String newUnique() {
        return Unique.next();
    }

    /** The part file of writer {@code unique}. */
    public Path part(KeyId id, String unique) {
        return layout.part(id, unique);
    }

    /**
     * Creates a fresh, empty part file owned by this process and opens it for writing. It is created
     * with the blob's read-only mode, which the open channel does not need: the commit then renames
     * it without a {@code chmod}. What that exposes is in docs/reliability.md, "The durable commit".
     */
    public java.nio.channels.AsynchronousFileChannel createPart(
            KeyId id, String unique, java.util.concurrent.ExecutorService executor) throws IOException {
        return disk.createPart(layout.part(id, unique), permissions.blob(), executor);
    }

    /** Replaces a part's sidecar atomically. Not made durable: a lost sidecar only costs a resume. */
    public void writeSidecar(KeyId id, String unique, Sidecar sidecar) throws IOException {
        writeAtomically(layout.sidecar(id, unique), RecordFiles.format(sidecar), permissions.file());
    }

    /**
     * The part files of {@code id} in {@code tmp/}, with their sidecars where readable: every one
     * that was there when this was called and still is ({@code tmp/} is listed once for every caller
     * that asked while the previous listing ran).
     */
    public List<Part> parts(KeyId id) throws IOException {
        return Listing.parts(layout, id, tmpNames.of(id.hex()));
    }

    /**
     * Takes over an abandoned part: renames it (and drops its sidecar) so it is {@code unique}'s.
     *
     * @return false if it vanished or could not be moved (it is then deleted)
     */
    public boolean adopt(Part orphan, KeyId id, String unique) {
        try {
            Path mine = layout.part(id, unique);
            disk.move(orphan.path(), mine);
            deleteQuietly(layout.sidecar(id, orphan.unique()));
            if ((mode(mine) & OWNER_WRITE) == 0) {
                disk.setMode(mine, permissions.part()); // Created read-only: writable again, for its owner only.
            }
            return true;
        } catch (IOException e) {
            deletePart(id, orphan.unique());
            return false;
        }
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
     * Who is downloading {@code id} now, as a waiter sees it: the owner, still alive, of the part
     * with the most bytes, or null if none has recorded itself yet. Reads only {@code tmp/}, never
     * the lock file.
     */
    public @Nullable Holder holder(KeyId id) {
        Holder best = null;
        try {
            for (Part part : parts(id)) {
                Sidecar s = part.sidecar();
                if (s == null || Processes.isProvablyGone(s.owner())) {
                    continue;
                }
                long bytes = s.bytesIn(part.size());
                if (best == null || bytes > best.bytes()) {
                    best = new Holder(s.owner().pid(), s.owner().host(), bytes, s.length(), s.url());
                }
            }
        } catch (IOException e) {
            return null;
        }
        return best;
    }

    /** The keys that have anything in {@code tmp/}, for collection under their locks. */
    public List<KeyId> keysInTmp() throws IOException {
        TreeSet<String> ids = new TreeSet<>();
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(layout.tmp())) {
            for (Path path : tmp) {
                String name = path.getFileName().toString();
                if (name.length() > 65 && name.charAt(64) == '.' && KeyId.isHex(name.substring(0, 64))) {
                    ids.add(name.substring(0, 64));
                }
            }
        }
        return ids.stream().map(KeyId::new).toList();
    }

    /**
     * Deletes the {@code .new} files (records and sidecars being replaced) whose writers are
     * provably gone: a writer killed between writing one and renaming it leaves it behind, and
     * nothing else would ever remove it. Part files and sidecars are not touched here; they belong to
     * the key's lock holder ({@link Part#isAbandoned}).
     *
     * @return how many were deleted
     */
    public int collectLeftovers() throws IOException {
        return Listing.collectTemporaries(layout, Unique::isProvablyGone);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void writeAtomically(Path target, String text, int mode) throws IOException {
        Path temp = layout.tmp().resolve(target.getFileName() + "." + newUnique() + Layout.NEW_SUFFIX);
        boolean moved = false;
        try {
            disk.createFile(temp, text.getBytes(StandardCharsets.UTF_8), mode);
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

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Best effort: a leftover temporary file is collected later and never published.
        }
    }

    // ---- the values the store takes and returns ---------------------------------------------------

    /**
     * The file-system name of a key: the SHA-256 of its text in hex. Caller-chosen text never
     * becomes a path.
     *
     * @param hex 64 lower-case hex characters
     */
    public record KeyId(String hex) {
        public KeyId {
            if (!isHex(hex)) {
                throw new IllegalArgumentException("a key id is 64 lower-case hex characters: " + hex);
            }
        }

        public static KeyId of(Key key) {
            return new KeyId(Digests.hex(key.value()));
        }

        static boolean isHex(String s) {
            if (s.length() != 64) {
                return false;
            }
            for (int i = 0; i < 64; i++) {
                char c = s.charAt(i);
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return hex;
        }
    }

    /**
     * A key record, {@code refs/<id>}: which blob a key names. Readable by everyone who may read the
     * cache, so it holds nothing secret: a URI key's query is hidden, and the full URI is kept only
     * as a hash.
     *
     * @param key the key as listings show it (a URI key's query as {@code ?...})
     * @param url the redacted URL the bytes came from
     * @param uriHash the SHA-256 of the URI the bytes came from, as its key would be written ({@code
     *     Key.of(uri)}), or empty in records written before it was kept
     * @param sha256 the blob
     * @param size the blob's size
     * @param pinned whether a request that pinned the digest stored or confirmed it
     */
    public record Record(String key, String url, String uriHash, Sha256 sha256, long size, boolean pinned) {
        /** The same record, confirmed by a pinned request. */
        public Record asPinned() {
            return new Record(key, url, uriHash, sha256, size, true);
        }
    }

    /** A key record written aside, not yet in {@code refs/}. */
    public record StagedRecord(KeyId id, Path path) {}

    /** A key record as found on disk, with its last use. */
    public record StoredRecord(KeyId id, Record record, Instant lastUsed) {}

    /** A blob as found on disk; {@code modified} is when it was last written or re-referenced. */
    public record Blob(Sha256 sha256, Path path, long size, Instant modified) {}

    /** A blob in {@code quarantine/}, and when it was put there. */
    public record Quarantined(Path path, long size, Instant since) {}

    /**
     * Who wrote a temporary file: host, pid and process start time (0 if unknown).
     *
     * @param host the host name
     * @param pid the process id
     * @param startMillis the process start time in epoch milliseconds, or 0 if unknown
     */
    public record Owner(String host, long pid, long startMillis) {
        /** This process. */
        public static Owner current() {
            return Processes.CURRENT;
        }

        /** Whether this is the running process. */
        public boolean isCurrent() {
            return equals(Processes.CURRENT);
        }

        /**
         * Whether this owner certainly no longer runs: same host, and no live process with this pid
         * (and start time, when known). Another host's process is never provably gone.
         */
        public boolean isProvablyGone() {
            return Processes.isProvablyGone(this);
        }
    }

    /**
     * A part's sidecar, {@code tmp/<id>.<unique>.meta}: whose part it is and what is needed to resume
     * it (format in {@link RecordFiles}). Informational and untrusted: it decides what may be adopted,
     * never whom to kill or which lock to break.
     *
     * @param uriHash the SHA-256 of the full URI: resume only the same URI, without storing its query
     * @param url the redacted URL, for people
     * @param validators what the bytes came with
     * @param length the artifact's total size, or -1
     * @param owner the writer
     * @param checkpointOffset a prefix length whose SHA-256 is {@code checkpointSha256}, or 0
     * @param checkpointSha256 the hex SHA-256 of exactly that prefix, or null
     * @param ranges the byte ranges of the part that hold the artifact's bytes, written by a download
     *     in parallel ranges (the rest of the file is not the artifact's); empty when the part was
     *     written from byte 0 on, in order, so that everything in it counts
     */
    public record Sidecar(
            String uriHash,
            String url,
            Validators validators,
            long length,
            Owner owner,
            long checkpointOffset,
            @Nullable String checkpointSha256,
            List<Span> ranges) {

        /** At most this many ranges are recorded: the largest ones (an unrecorded range is only downloaded again). */
        public static final int MAX_RANGES = 64;

        public Sidecar {
            ranges = Span.largest(ranges, MAX_RANGES);
        }

        /** What a sidecar (and a record) keeps of a URI: its SHA-256, so the query is never stored. */
        public static String uriHash(java.net.URI uri) {
            return Digests.hex(uri.toString());
        }

        /** A new sidecar of this process for {@code uriHash}, before any response. */
        public static Sidecar fresh(String uriHash, String url) {
            return new Sidecar(uriHash, url, Validators.NONE, -1, Owner.current(), 0, null, List.of());
        }

        public Sidecar withCheckpoint(long offset, String sha256) {
            return new Sidecar(uriHash, url, validators, length, owner, offset, sha256, ranges);
        }

        public Sidecar withResponse(Validators validators, long length) {
            return new Sidecar(uriHash, url, validators, length, owner, checkpointOffset, checkpointSha256, ranges);
        }

        /** The same sidecar recording {@code ranges} (empty: the part is written in order from byte 0). */
        public Sidecar withRanges(List<Span> ranges) {
            return new Sidecar(uriHash, url, validators, length, owner, checkpointOffset, checkpointSha256, ranges);
        }

        /** How many of the part's bytes are the artifact's, for a part of {@code size} bytes. */
        public long bytesIn(long size) {
            if (ranges.isEmpty()) {
                return size;
            }
            long sum = 0;
            for (Span span : ranges) {
                sum += span.length();
            }
            return sum;
        }
    }

    /**
     * Bytes {@code [start, end)} of a part file.
     *
     * @param start the first byte
     * @param end the byte after the last one
     */
    public record Span(long start, long end) {
        public Span {
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException(
                        "a span is [start, end) with 0 <= start < end: [" + start + ", " + end + ")");
            }
        }

        public long length() {
            return end - start;
        }

        /** The {@code max} longest of {@code spans}, in order of their start. */
        static List<Span> largest(List<Span> spans, int max) {
            if (spans.size() <= max) {
                return List.copyOf(spans);
            }
            List<Span> kept = new ArrayList<>(spans);
            kept.sort(java.util.Comparator.comparingLong(Span::length).reversed());
            kept = new ArrayList<>(kept.subList(0, max));
            kept.sort(java.util.Comparator.comparingLong(Span::start));
            return List.copyOf(kept);
        }
    }

    /**
     * One writer's part file in {@code tmp/} and its sidecar, as found on disk.
     *
     * @param unique the writer's unique name
     * @param path the part file
     * @param sidecar the parsed sidecar, or null if missing or unreadable
     * @param size the part's size, or -1 if only the sidecar exists
     */
    public record Part(String unique, Path path, @Nullable Sidecar sidecar, long size) {
        /**
         * Whether this part may be adopted or deleted by the caller, who holds the key's lock: the one
         * rule for download, verify and gc. Its owner (from the sidecar, else from its name) must be
         * provably gone, or be this very process: the key's lock then proves that no download of this
         * JVM writes it (an earlier, failed flight left it). A part whose owner cannot be told (another
         * host, a name of another format) is never touched: on a file system whose locks lie, it may
         * be a live writer's.
         */
        public boolean isAbandoned() {
            if (sidecar != null) {
                return sidecar.owner().isCurrent() || sidecar.owner().isProvablyGone();
            }
            return Unique.isCurrent(unique) || Unique.isProvablyGone(unique);
        }
    }

    /**
     * What a waiter knows of the process downloading a key.
     *
     * @param pid its process id
     * @param host its host
     * @param bytes bytes in its part file, or -1 before it created one
     * @param total the artifact's size if the origin declared it, else -1
     * @param url the redacted URL it downloads
     */
    public record Holder(long pid, String host, long bytes, long total, String url) {}
}
