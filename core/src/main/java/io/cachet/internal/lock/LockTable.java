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
 * time open a key's lock file, and lets the shared holders of a name share one channel ({@link
 * SharedHold}). Mutexes and holds are removed when nobody uses them.
 */
final class LockTable {
    private static final ConcurrentMap<Path, LockTable> TABLES = new ConcurrentHashMap<>();

    private final ConcurrentMap<String, LocalMutex> mutexes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, SharedHold> shared = new ConcurrentHashMap<>();

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

    /**
     * Joins the shared hold of {@code id} in this JVM, or makes a new one if there is none (or it is
     * done); {@code created[0]} then says that the caller must {@linkplain SharedHold#start start} it.
     */
    SharedHold joinShared(String id, boolean[] created) {
        return shared.compute(id, (key, hold) -> {
            if (hold != null && hold.join()) {
                return hold;
            }
            SharedHold fresh = new SharedHold(done -> shared.remove(id, done));
            fresh.join();
            created[0] = true;
            return fresh;
        });
    }

    /** How many keys have a mutex in use: 0 when this JVM holds and waits for no lock here. */
    int size() {
        return mutexes.size();
    }
}
