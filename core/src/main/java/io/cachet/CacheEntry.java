package io.cachet;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One key in the cache and the blob it names.
 *
 * @param key the key
 * @param url the redacted URL it was downloaded from
 * @param sha256 the blob's digest
 * @param size the blob's size in bytes
 * @param path the blob
 * @param lastUsed when a fetch last found or stored it
 * @param pinned whether the request that stored it pinned the digest (an unpinned key trusted the
 *     origin on first use)
 * @param present whether the blob is on disk (a key outlives a blob that was quarantined or
 *     evicted until it is fetched again)
 */
public record CacheEntry(
        Key key, String url, Sha256 sha256, long size, Path path, Instant lastUsed, boolean pinned, boolean present) {}
