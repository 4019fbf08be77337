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
 * and no longer than the artifact, wins; the others are deleted. What may be kept of the winner:
 *
 * <ul>
 *   <li>pinned: every byte it holds (the final check catches a bad one), or, for a part written in
 *       parallel ranges, exactly the ranges its sidecar records; the leading range is re-hashed now,
 *       the others when the download's hashed prefix reaches them;
 *   <li>unpinned: only the prefix up to the sidecar's checkpoint, whose digest must match. Ranges
 *       written past a gap were never hashed, so nothing proves they are the bytes that arrived
 *       (after a power loss they may be zeros), and an unpinned download has no final check that
 *       would catch them: they are downloaded again (docs/architecture.md, "Resume").
 * </ul>
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
            if (usable && (best == null || kept(p) > kept(best))) {
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

    /** How many of a part's bytes are the artifact's (all, unless its sidecar records ranges). */
    private static long kept(Store.Part p) {
        Store.Sidecar s = p.sidecar();
        return s == null ? p.size() : s.bytesIn(p.size());
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
     * @param length how many bytes from 0 (0: none)
     * @param digest the SHA-256 state after exactly those bytes
     * @param beyond ranges after a gap past the prefix, kept too (pinned parts written in ranges)
     */
    record Prefix(long length, MessageDigest digest, List<Store.Span> beyond) {
        Prefix(long length, MessageDigest digest) {
            this(length, digest, List.of());
        }

        /** Where the kept bytes end: the file is cut there. */
        long end() {
            return beyond.isEmpty() ? length : beyond.get(beyond.size() - 1).end();
        }
    }

    /** Re-hashes what may be kept of an adopted part. */
    static Prefix verifiedPrefix(Path part, Store.Sidecar old, boolean pinned) throws IOException {
        long size = Files.size(part);
        MessageDigest d = Digests.sha256();
        if (pinned && old.ranges().isEmpty()) {
            Digests.hashPrefix(part, size, d);
            return new Prefix(size, d);
        }
        if (pinned) {
            long prefix = 0;
            List<Store.Span> beyond = new ArrayList<>();
            for (Store.Span span : old.ranges()) {
                if (span.end() > size) {
                    break; // Recorded, yet not in the file: the file was cut; keep only what is there.
                }
                if (span.start() == 0) {
                    prefix = span.end();
                } else {
                    beyond.add(span);
                }
            }
            Digests.hashPrefix(part, prefix, d);
            return new Prefix(prefix, d, beyond);
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
