package io.cachet.internal.fetch;

import io.cachet.IntegrityException;
import io.cachet.StorageException;
import java.nio.file.Path;

/**
 * What a response's headers allow before any body byte is written: a declared length must agree
 * with the expected size and stay under the configured maximum, and the disk must have room for
 * what is still to come. Pure: the free space is given.
 */
final class ResponseCheck {
    private ResponseCheck() {}

    /**
     * The most bytes the artifact may have: the expected size, else the declared length, else the
     * configured maximum ({@code Long.MAX_VALUE}: unlimited).
     */
    static long limit(long expected, long declared, long maxArtifactSize) {
        return expected >= 0 ? expected : declared >= 0 ? declared : maxArtifactSize;
    }

    /** Refuses a declared length that cannot be the expected artifact. */
    static void checkLength(long expected, long declared, long maxArtifactSize, Failures failures) {
        if (expected >= 0 && declared >= 0 && declared != expected) {
            throw failures.integrity(
                    declared > expected ? IntegrityException.Kind.TOO_LARGE : IntegrityException.Kind.SIZE_MISMATCH,
                    null,
                    expected,
                    declared);
        }
        if (expected < 0 && declared > maxArtifactSize) {
            throw failures.integrity(IntegrityException.Kind.TOO_LARGE, null, maxArtifactSize, declared);
        }
    }

    /** Refuses to start writing {@code limit - position} more bytes into a disk with {@code free}. */
    static void checkSpace(long limit, long position, long free, Path where) {
        if (limit == Long.MAX_VALUE) {
            return;
        }
        long needed = limit - position;
        if (needed > free) {
            throw new StorageException(
                    where,
                    "store " + needed + " more bytes in",
                    StorageException.Reason.NO_SPACE,
                    "only " + free + " bytes are free",
                    null);
        }
    }
}
