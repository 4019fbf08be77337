/**
 * Cachet's API: a {@link io.cachet.Cache} fetches artifacts by key and returns verified files.
 *
 * <p>The story of one fetch: concurrent fetches of one artifact in a cache share one download
 * (single flight); across processes, an operating-system file lock on {@code locks/<id>.lock},
 * polled with backoff so no thread blocks, lets one process download while the others wait and
 * then find the artifact. The holder streams the body into its own {@code tmp/*.part} file through
 * an {@code AsynchronousFileChannel}, hashing as it goes; it checks size and SHA-256, syncs the
 * file, moves it atomically to {@code blobs/sha256/ab/<digest>}, syncs the directory, records the
 * key in {@code refs/}, and only then releases the lock. A final path therefore only ever holds
 * verified bytes, and a lock is never stolen. An artifact in use is held by a lease, a shared lock
 * on its blob's lock file, which every eviction must take exclusively. See docs/architecture.md for
 * the reasons.
 */
@NullMarked
package io.cachet;

import org.jspecify.annotations.NullMarked;
