package io.cachet;

/**
 * What {@link Cache#gc(long)} did.
 *
 * @param blobsRemoved blobs deleted
 * @param bytesFreed their total size
 * @param bytesRemaining the total size of the blobs left
 * @param busySkipped artifacts left alone because another caller or process held their lock
 * @param partsRemoved abandoned part files deleted (their owners were gone)
 */
public record GcResult(int blobsRemoved, long bytesFreed, long bytesRemaining, int busySkipped, int partsRemoved) {}
