package io.cachet;

import io.cachet.spi.Text;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Another process held the artifact's lock for longer than this cache was configured to wait.
 *
 * <p>The waiter changed nothing: it did not delete the lock, touch the holder's part file or
 * write the artifact. The holder keeps going, and a later fetch gets its result. The lock file
 * named here must never be deleted by hand while a process holds it; a dead holder's lock is
 * released by the operating system.
 */
public final class LockTimeoutException extends CachetException {
    private static final long serialVersionUID = 1L;

    private final Key key;
    private final transient Path lockFile;
    private final transient Duration waited;
    private final long holderPid;
    private final long holderBytes;
    private final long holderTotal;

    /**
     * @param key the artifact's key
     * @param lockFile the lock file that was busy
     * @param waited how long this caller waited
     * @param holderPid the holder's process id as it recorded it, or -1 if unknown
     * @param holderBytes how many bytes the holder has written, or -1 if unknown
     * @param holderTotal how many bytes the holder expects in all, or -1 if unknown
     */
    public LockTimeoutException(
            Key key, Path lockFile, Duration waited, long holderPid, long holderBytes, long holderTotal) {
        super(message(key, lockFile, waited, holderPid, holderBytes, holderTotal), null);
        this.key = key;
        this.lockFile = lockFile;
        this.waited = waited;
        this.holderPid = holderPid;
        this.holderBytes = holderBytes;
        this.holderTotal = holderTotal;
    }

    private static String message(Key key, Path lockFile, Duration waited, long pid, long bytes, long total) {
        String holder = pid > 0 ? "process " + pid : "another process (it has not recorded its pid yet)";
        String progress;
        if (bytes < 0) {
            progress = "has not started writing yet";
        } else if (total > 0) {
            progress = "has written " + Text.bytes(bytes) + " of " + Text.bytes(total);
        } else {
            progress = "has written " + Text.bytes(bytes) + " so far";
        }
        return "gave up after "
                + Text.duration(waited)
                + " waiting for "
                + key
                + ": "
                + holder
                + " holds its lock ("
                + lockFile
                + ") and "
                + progress
                + ". Nothing was changed. Wait longer (raise the lock timeout), or let that process finish;"
                + " do not delete the lock file.";
    }

    /** The artifact's key. */
    public Key key() {
        return key;
    }

    /** The lock file that stayed busy. */
    public Path lockFile() {
        return lockFile;
    }

    /** How long this caller waited. */
    public Duration waited() {
        return waited;
    }

    /** The holder's process id as the holder recorded it (informational only). */
    public OptionalLong holderPid() {
        return holderPid > 0 ? OptionalLong.of(holderPid) : OptionalLong.empty();
    }

    /** Bytes the holder had written when this caller gave up, if known. */
    public OptionalLong holderBytes() {
        return holderBytes >= 0 ? OptionalLong.of(holderBytes) : OptionalLong.empty();
    }

    /** The holder's expected total, if known. */
    public OptionalLong holderTotal() {
        return holderTotal > 0 ? OptionalLong.of(holderTotal) : OptionalLong.empty();
    }

    @Override
    public boolean isTransient() {
        return true;
    }
}
