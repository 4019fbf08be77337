package io.cachet;

/**
 * What {@link Cache#gc} did.
 *
 * @param blobsRemoved blobs deleted
 * @param bytesFreed the bytes deleted: blobs, abandoned part files and expired quarantine
 * @param bytesRemaining what the cache holds afterwards: blobs, part files (downloads in progress,
 *     or kept to be resumed) and quarantined blobs
 * @param busySkipped artifacts left alone because they were in use: being fetched, named or
 *     checked, or leased ({@link Cache#lease}), in this process or another
 * @param partsRemoved abandoned part files deleted (their owners were gone)
 * @param quarantineRemoved quarantined blobs deleted because they were older than a week
 */
public record GcResult(
        int blobsRemoved,
        long bytesFreed,
        long bytesRemaining,
        int busySkipped,
        int partsRemoved,
        int quarantineRemoved) {}
