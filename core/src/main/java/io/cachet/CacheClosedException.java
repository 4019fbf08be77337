package io.cachet;

import java.nio.file.Path;

/**
 * The cache was closed: before this fetch started, or while it waited or downloaded. Nothing was
 * committed for this fetch; a resumable part file stays for a later fetch. Open a new cache to go
 * on.
 */
public final class CacheClosedException extends CachetException {
    private static final long serialVersionUID = 1L;

    private final transient Path root;

    /** @param root the closed cache's directory */
    public CacheClosedException(Path root) {
        super("the cache " + root + " was closed; open a new cache to fetch again", null);
        this.root = root;
    }

    /** The closed cache's directory. */
    public Path root() {
        return root;
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
