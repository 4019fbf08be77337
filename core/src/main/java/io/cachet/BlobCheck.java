package io.cachet;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The verdict of {@link Cache#verify()} on one blob.
 *
 * @param sha256 the digest the blob is named by
 * @param size its size in bytes
 * @param intact whether its bytes still hash to its name
 * @param actualSha256 what the bytes hash to now
 * @param quarantinedTo where a corrupt blob was moved, or null if intact (or if it could not be
 *     moved because another process was using its key; it is then reported again next time)
 */
public record BlobCheck(
        Sha256 sha256,
        long size,
        boolean intact,
        Sha256 actualSha256,
        @Nullable Path quarantinedTo) {}
