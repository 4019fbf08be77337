package io.cachet;

import java.nio.file.Path;

/**
 * An artifact held in use, from {@link Cache#lease}: until it is closed, no {@code gc}, {@code rm}
 * or automatic eviction, in this process or any other using the cache directory, deletes its file.
 *
 * <pre>{@code
 * try (ArtifactLease model = cache.lease(request).block()) {
 *   load(model.path());   // the file stays while the lease is open, whatever evicts meanwhile
 * }
 * }</pre>
 *
 * <p>A lease is a shared lock on the artifact's blob, which every eviction takes exclusively and
 * only if free: a leased artifact is skipped and counted as busy. Leases of one artifact never wait
 * for each other, nor for fetches of other keys that name the same bytes. The operating system ends
 * a lease when its process dies; {@link Cache#close()} ends the leases of that cache.
 */
public interface ArtifactLease extends AutoCloseable {

    /** The artifact held. */
    Artifact artifact();

    /** The artifact's verified, read-only file. */
    default Path path() {
        return artifact().path();
    }

    /** Ends the lease: the artifact may be evicted again. Idempotent; never throws. */
    @Override
    void close();
}
