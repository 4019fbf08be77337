package io.cachet;

import org.jspecify.annotations.Nullable;

/**
 * Every error Cachet reports: a small sealed family whose messages say what happened, to what,
 * and what to do next. Branch on the type, or on {@link #isTransient()}.
 *
 * <ul>
 *   <li>{@link InvalidRequestException}: the request itself is wrong; nothing was touched.
 *   <li>{@link OriginException}: the origin failed or refused, after the retries it deserved.
 *   <li>{@link IntegrityException}: the bytes were not the expected ones; nothing was committed.
 *   <li>{@link LockTimeoutException}: another process held the artifact's lock past the wait
 *       deadline; nothing was changed, and its lock was left alone.
 *   <li>{@link StorageException}: the cache directory could not be written (disk full,
 *       permission, read-only); nothing half-written was left at a final path.
 *   <li>{@link CacheClosedException}: the cache was closed before or during the fetch.
 *   <li>{@link OfflineException}: the artifact is not cached and the cache is offline; no origin
 *       was asked.
 * </ul>
 */
public abstract sealed class CachetException extends RuntimeException
        permits InvalidRequestException,
                OriginException,
                IntegrityException,
                LockTimeoutException,
                StorageException,
                CacheClosedException,
                OfflineException {
    private static final long serialVersionUID = 1L;

    CachetException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** Whether the same request may succeed if tried again later, unchanged. */
    public abstract boolean isTransient();
}
