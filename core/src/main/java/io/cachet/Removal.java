package io.cachet;

import org.jspecify.annotations.Nullable;

/**
 * What {@link Cache#remove} did with one key.
 *
 * @param key the key asked for
 * @param outcome whether the key was removed
 * @param sha256 the blob the key named, or null if it was not cached
 * @param size that blob's size in bytes, or -1 if it was not cached
 * @param blob what became of the blob
 */
public record Removal(Key key, Outcome outcome, @Nullable Sha256 sha256, long size, Blob blob) {

    /** Whether the key was removed. */
    public enum Outcome {
        /** Its record is gone: the next fetch downloads it again. */
        REMOVED,
        /** There was no such key in the cache. */
        NOT_CACHED,
        /**
         * The key's lock was held (it is being fetched, here or by another process): nothing was
         * changed. Try again once that fetch is done.
         */
        BUSY
    }

    /** What became of the blob the key named. */
    public enum Blob {
        /** Deleted: no other key named it, and no one used it. */
        DELETED,
        /** Kept: another key names the same bytes. */
        KEPT_SHARED,
        /** Kept for now: it is leased or being named by a fetch; {@code gc} deletes it once free. */
        KEPT_IN_USE,
        /** No blob was touched: the key was not removed, or its blob was already gone. */
        NONE
    }
}
