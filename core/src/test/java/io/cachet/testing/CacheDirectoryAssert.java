package io.cachet.testing;

import io.cachet.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a cache directory in the terms of its documented layout, so that tests say what
 * the store must hold ({@code assertThat(cache(root)).hasBlob(sha).hasNoParts()}) instead of
 * walking directories by hand.
 */
public final class CacheDirectoryAssert extends AbstractAssert<CacheDirectoryAssert, Path> {

    private CacheDirectoryAssert(Path root) {
        super(root, CacheDirectoryAssert.class);
    }

    /** Assertions on the cache directory {@code root}. */
    public static CacheDirectoryAssert assertThatCache(Path root) {
        return new CacheDirectoryAssert(root);
    }

    /** The blob {@code sha256} is there, a regular file whose bytes hash to its name. */
    public CacheDirectoryAssert hasBlob(Sha256 sha256) {
        Path blob = CacheFiles.blob(actual, sha256);
        if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)) {
            failWithMessage("expected the blob %s in %s, but it is not there; blobs: %s", sha256, actual, blobs());
        }
        try {
            Sha256 hashed = Bytes.sha256(Files.readAllBytes(blob));
            if (!hashed.equals(sha256)) {
                failWithMessage("expected the blob %s to hash to its name, but it hashes to %s", sha256, hashed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Exactly {@code count} blobs are there. */
    public CacheDirectoryAssert hasBlobCount(int count) {
        List<Path> blobs = blobs();
        if (blobs.size() != count) {
            failWithMessage("expected %s blob(s) in %s but found %s: %s", count, actual, blobs.size(), blobs);
        }
        return this;
    }

    /** No blob is there. */
    public CacheDirectoryAssert hasNoBlobs() {
        return hasBlobCount(0);
    }

    /** The key {@code key} has a record. */
    public CacheDirectoryAssert hasRecordFor(String key) {
        if (!Files.isRegularFile(CacheFiles.ref(actual, key), LinkOption.NOFOLLOW_LINKS)) {
            failWithMessage("expected a key record for %s in %s, but there is none", key, actual);
        }
        return this;
    }

    /** No part file is left in {@code tmp/}. */
    public CacheDirectoryAssert hasNoParts() {
        List<Path> parts = CacheFiles.parts(actual);
        if (!parts.isEmpty()) {
            failWithMessage("expected no part files in %s but found %s", actual, parts);
        }
        return this;
    }

    private List<Path> blobs() {
        Path dir = actual.resolve("blobs");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
