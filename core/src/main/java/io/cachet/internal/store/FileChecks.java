package io.cachet.internal.store;

import java.nio.file.Path;

/**
 * A cheap answer to "is anything there?" for paths that are usually absent (a new key's record,
 * blob and lock file). {@code java.nio.file} reports absence with a {@code NoSuchFileException}
 * whose stack trace, deep in a reactive pipeline, costs far more than the {@code stat} itself: a
 * fetch of a new artifact used to throw six of them. This asks {@code stat} through {@code
 * java.io.File}, which answers with a boolean.
 */
public final class FileChecks {
    private FileChecks() {}

    /**
     * True when {@code stat(path)} fails: nothing is there, or a dangling symlink, or the path cannot
     * be reached (permissions). Only a pre-check: callers treat "true" as "absent" only where any of
     * these means the same to them, and still handle {@code NoSuchFileException} from the real call,
     * since the answer may change at any moment.
     */
    public static boolean missing(Path path) {
        return !path.toFile().exists();
    }
}
