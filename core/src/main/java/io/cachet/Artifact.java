package io.cachet;

import java.nio.file.Path;

/**
 * A verified file in the cache.
 *
 * <p>The file at {@link #path} is read-only and its bytes hash to {@link #sha256}: Cachet moves a
 * file there only after verifying it. Read it in place; do not modify it.
 *
 * @param key the key the caller asked for
 * @param path the verified, read-only file
 * @param sha256 the SHA-256 of its bytes (pin it in later requests if the request had none)
 * @param size its size in bytes
 * @param source how this caller obtained it
 */
public record Artifact(Key key, Path path, Sha256 sha256, long size, Source source) {

    /** How an artifact reached the caller. */
    public enum Source {
        /** It was already in the cache. */
        HIT,
        /** This caller's fetch downloaded it. */
        DOWNLOADED,
        /** This caller's fetch completed a download that an earlier attempt had started. */
        RESUMED,
        /**
         * Another caller downloaded it while this one waited: in this process, another process, or
         * (with a {@linkplain Cache.Builder#cluster cluster}) another host, whose upload this one
         * then read from the tier.
         */
        WAITED,
        /**
         * This caller's fetch read it from the fleet's shared {@linkplain Cache.Builder#tier tier},
         * where another host had put it, verifying it as it would an origin's bytes.
         */
        TIER
    }

    /** The same artifact, reached another way. */
    public Artifact withSource(Source source) {
        return new Artifact(key, path, sha256, size, source);
    }
}
