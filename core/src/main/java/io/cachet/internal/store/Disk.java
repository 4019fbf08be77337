package io.cachet.internal.store;

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
 * directly.
 *
 * <p>All methods block; the engine calls them on its I/O scheduler only.
 */
public interface Disk {

    /** The real file system. */
    Disk REAL = new RealDisk();

    /**
     * Creates a new part file with {@code CREATE_NEW} (so an existing file or planted symlink is
     * refused, RELIABILITY.md I10) and opens it for reading and writing.
     */
    AsynchronousFileChannel createPart(Path path, int mode, ExecutorService executor) throws IOException;

    /** Opens an existing part file, without following a symlink, to continue writing it. */
    AsynchronousFileChannel openPart(Path path, ExecutorService executor) throws IOException;

    /** Flushes a file's data and metadata to the device ({@code fsync}). Never retried on failure. */
    void force(AsynchronousFileChannel channel) throws IOException;

    /** Sets a file's permission bits explicitly, whatever the umask. */
    void setMode(Path path, int mode) throws IOException;

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
     * never with {@code DELETE_ON_CLOSE} (RELIABILITY.md I2).
     */
    AsynchronousFileChannel openLock(Path path, int mode, ExecutorService executor) throws IOException;

    /**
     * Tries to take an exclusive OS lock without waiting.
     *
     * @return the lock, or null when another process (or, exceptionally, this one) holds it
     */
    @Nullable
    FileLock tryLock(AsynchronousFileChannel channel) throws IOException;

    /** Releases a lock taken by {@link #tryLock}. */
    void unlock(FileLock lock) throws IOException;
}
