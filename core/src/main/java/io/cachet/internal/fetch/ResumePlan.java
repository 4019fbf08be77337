package io.cachet.internal.fetch;

import io.cachet.internal.digest.Digests;
import io.cachet.internal.store.Store;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Which part file of a key a download continues, and how much of it may be kept.
 *
 * <p>A part is continued only when the bytes it holds are known to be the artifact's. A part left
 * by an earlier process is considered only once its owner is provably gone (or it is this process's
 * own, from an earlier flight): a live writer might still be writing it. Among those, the largest
 * one for the same URI, with validators to resume against (or a pinned digest to check the result),
 * and no longer than the artifact, wins; the others are deleted. What may be kept of the winner is
 * re-hashed: all of it when the request pins a digest (the final check catches a bad prefix), else
 * only up to the sidecar's checkpoint, whose digest must match.
 */
final class ResumePlan {
    private ResumePlan() {}

    /**
     * @param adopt the part to continue, or null to start a fresh one
     * @param delete abandoned parts to delete
     */
    record Choice(Store.@Nullable Part adopt, List<Store.Part> delete) {}

    /** Chooses among {@code parts} of a key, for a request with {@code uriHash}. Pure. */
    static Choice choose(List<Store.Part> parts, String uriHash, boolean pinned, long expectedSize) {
        Store.Part best = null;
        List<Store.Part> delete = new ArrayList<>();
        for (Store.Part p : parts) {
            if (!p.isAbandoned()) {
                continue; // A live writer's (locks that lie, or another host): never touch it.
            }
            Store.Sidecar s = p.sidecar();
            boolean usable = s != null
                    && p.size() > 0
                    && s.uriHash().equals(uriHash)
                    && canResume(s.validators(), pinned)
                    && fits(p.size(), s.length(), expectedSize);
            if (usable && (best == null || p.size() > best.size())) {
                if (best != null) {
                    delete.add(best);
                }
                best = p;
            } else {
                delete.add(p);
            }
        }
        return new Choice(best, delete);
    }

    /** Whether bytes received with {@code validators} can be continued: asked for by If-Range, or checked by a pin. */
    static boolean canResume(Validators validators, boolean pinned) {
        return !validators.isEmpty() || pinned;
    }

    private static boolean fits(long partSize, long recordedLength, long expected) {
        if (recordedLength >= 0 && partSize > recordedLength) {
            return false;
        }
        return expected < 0 || ((recordedLength < 0 || recordedLength == expected) && partSize <= expected);
    }

    /**
     * What may be kept of an adopted part.
     *
     * @param length how many bytes (0: start over)
     * @param digest the SHA-256 state after exactly those bytes
     */
    record Prefix(long length, MessageDigest digest) {}

    /** Re-hashes what may be kept of an adopted part. */
    static Prefix verifiedPrefix(Path part, Store.Sidecar old, boolean pinned) throws IOException {
        long size = Files.size(part);
        MessageDigest d = Digests.sha256();
        if (pinned) {
            Digests.hashPrefix(part, size, d);
            return new Prefix(size, d);
        }
        long checkpoint = old.checkpointOffset();
        String expected = old.checkpointSha256();
        if (expected == null || checkpoint <= 0 || checkpoint > size) {
            return new Prefix(0, Digests.sha256());
        }
        Digests.hashPrefix(part, checkpoint, d);
        if (!Digests.valueOf(d).hex().equals(expected)) {
            return new Prefix(0, Digests.sha256());
        }
        return new Prefix(checkpoint, d);
    }
}
