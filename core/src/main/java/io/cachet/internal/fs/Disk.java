package io.cachet.internal.fs;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The file-system operations whose failure or timing matters to correctness: the seam through
 * which tests inject faults (short writes, ENOSPC, failing fsync or rename), crash points and locks
 * that lie, the way OkHttp's {@code FaultyFileSystem} does. Everything else uses {@code Files}
 * directly, through the static helpers here where a rule applies (absence checks, reading small
 * files that other processes and users write).
 *
 * <p>Modes: nothing Cachet creates is ever, even for an instant, more open than the mode asked for,
 * whatever the umask; and the mode asked for is what the file ends up with. Files and directories
 * are created with their final mode (the umask or a default ACL can only narrow it), and widened by
 * a {@code chmod} only where creation in that directory is seen to clear a bit of it.
 *
 * <p>All methods block; the engine calls them on its I/O threads only.
 */
public interface Disk {

    /** The real file system. */
    Disk REAL = new RealDisk();

    /**
     * Creates a new part file with {@code CREATE_NEW} (so an existing file or planted symlink is
     * refused) and opens it for reading and writing. The channel is writable whatever {@code mode}
     * says, even read-only: the mode only governs later opens. Not widened: the umask may narrow it.
     */
    AsynchronousFileChannel createPart(Path path, int mode, ExecutorService executor) throws IOException;

    /** Opens an existing part file, without following a symlink, to continue writing it. */
    AsynchronousFileChannel openPart(Path path, ExecutorService executor) throws IOException;

    /** Flushes a file's data and metadata to the device ({@code fsync}). Never retried on failure. */
    void force(AsynchronousFileChannel channel) throws IOException;

    /** Sets a file's permission bits explicitly, whatever the umask. */
    void setMode(Path path, int mode) throws IOException;

    /**
     * Creates {@code file} holding {@code bytes}, with {@code mode}; fails if anything (even a
     * symlink) is there. One open, one write, one close, and a {@code chmod} only where creation
     * narrows the mode. Not synced: callers that need it durable sync its directory after a rename.
     */
    void createFile(Path file, byte[] bytes, int mode) throws IOException;

    /** Creates the directory {@code dir} with {@code mode}; fails if anything is there. */
    void createDirectory(Path dir, int mode) throws IOException;

    /**
     * Makes {@code link} a hard link to {@code existing}; fails if anything is at {@code link}, and
     * when the two are on different file systems or the link is not allowed.
     */
    void link(Path link, Path existing) throws IOException;

    /** Renames atomically ({@code rename(2)}), replacing the target if it exists. */
    void move(Path source, Path target) throws IOException;

    /** Makes a directory's entries durable ({@code fsync} of the directory). */
    void syncDirectory(Path directory) throws IOException;

    /** Makes {@code path}'s entry in its directory durable: {@link #syncDirectory} of its parent. */
    default void syncParentOf(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IOException(path + " has no parent directory to sync");
        }
        syncDirectory(parent);
    }

    /**
     * Opens a lock file, creating it with {@code mode} if missing, never following a symlink and
     * never with {@code DELETE_ON_CLOSE} (an unlinked lock file lets two holders lock two inodes).
     *
     * @param shared whether the channel is for a shared lock: an existing file is then opened for
     *     reading only, which is all a shared lock needs (a user who may only read a cache can still
     *     hold one)
     */
    AsynchronousFileChannel openLock(Path path, int mode, ExecutorService executor, boolean shared) throws IOException;

    /**
     * Tries to take an OS lock on the whole file without waiting: exclusive, or shared with other
     * shared holders.
     *
     * @return the lock, or null when another process (or, exceptionally, this one) holds it
     */
    @Nullable
    FileLock tryLock(AsynchronousFileChannel channel, boolean shared) throws IOException;

    /** Releases a lock taken by {@link #tryLock}. */
    void unlock(FileLock lock) throws IOException;

    /**
     * A cheap answer to "is anything there?" for paths that are usually absent (a new key's record,
     * blob and lock file): {@code java.nio.file} reports absence with an exception whose stack
     * trace, deep in a reactive pipeline, costs far more than the {@code stat} itself. True when
     * {@code stat(path)} fails: nothing there, a dangling symlink, or unreachable. Only a pre-check:
     * callers still handle {@code NoSuchFileException} from the real call.
     */
    static boolean missing(Path path) {
        return !path.toFile().exists();
    }

    /**
     * Reads a small file that other processes and users may write (a key record, a sidecar): at most
     * {@code max + 1} bytes, never through a symlink, and never from anything but a regular file, so
     * a FIFO or device planted in the cache can never make a reader wait forever.
     *
     * @return the bytes, or null if there is no regular file at {@code path} (or it vanished)
     */
    static byte @Nullable [] readSmall(Path path, int max) throws IOException {
        return RealDisk.readSmall(path, max);
    }
}
