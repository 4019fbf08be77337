package io.cachet.internal.lock;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The JVM-wide table of in-JVM mutexes, one table per canonical locks directory.
 *
 * <p>POSIX record locks belong to the process, not to a channel or thread: a second {@code
 * tryLock} on the same file from this JVM throws {@code OverlappingFileLockException}, and closing
 * any other descriptor of the file silently drops the lock (docs/reliability.md I4). So every cache in
 * this JVM that uses a directory goes through the same table, which lets exactly one caller at a
 * time open a key's lock file. Mutexes are removed when nobody uses them.
 */
final class LockTable {
    private static final ConcurrentMap<Path, LockTable> TABLES = new ConcurrentHashMap<>();

    private final ConcurrentMap<String, LocalMutex> mutexes = new ConcurrentHashMap<>();

    private LockTable() {}

    /** The table for a canonical (real) locks directory. */
    static LockTable forDirectory(Path canonicalLocksDirectory) {
        return TABLES.computeIfAbsent(canonicalLocksDirectory, dir -> new LockTable());
    }

    /** The mutex for {@code id}, counted as used until {@link #checkIn}. */
    LocalMutex checkOut(String id) {
        return mutexes.compute(id, (key, mutex) -> {
            LocalMutex m = mutex == null ? new LocalMutex() : mutex;
            m.users++;
            return m;
        });
    }

    /** Stops using the mutex; the last user removes it from the table. */
    void checkIn(String id) {
        mutexes.computeIfPresent(id, (key, mutex) -> --mutex.users == 0 ? null : mutex);
    }

    /** How many keys have a mutex in use: 0 when this JVM holds and waits for no lock here. */
    int size() {
        return mutexes.size();
    }
}
