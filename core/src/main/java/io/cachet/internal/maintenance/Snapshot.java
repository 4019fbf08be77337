package io.cachet.internal.maintenance;

import io.cachet.Sha256;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The store as one listing saw it: blobs, the digests that commits in progress are about to name,
 * and which keys name which blob, read in that order so that a commit running meanwhile is caught
 * by one of the three (its blob appears before its staged record is renamed into a key record).
 * Built in one pass: O(keys + blobs) file reads.
 *
 * @param taken when the listing started
 * @param otherBytes what {@code tmp/} and {@code quarantine/} hold, which counts against a size cap
 */
record Snapshot(
        Instant taken,
        List<Store.Blob> blobs,
        Set<Sha256> pending,
        Map<Sha256, List<KeyId>> keys,
        Map<Sha256, Instant> lastUse,
        long otherBytes) {

    static Snapshot read(Store store) throws IOException {
        Instant taken = Instant.now();
        long otherBytes = store.tmpBytes() + quarantineBytes(store);
        List<Store.Blob> blobs = store.blobs();
        Set<Sha256> pending = store.pendingDigests();
        Map<Sha256, List<KeyId>> keys = new HashMap<>();
        Map<Sha256, Instant> lastUse = new HashMap<>();
        for (Store.StoredRecord stored : store.records()) {
            Sha256 sha256 = stored.record().sha256();
            keys.computeIfAbsent(sha256, s -> new ArrayList<>()).add(stored.id());
            lastUse.merge(sha256, stored.lastUsed(), (a, b) -> a.isAfter(b) ? a : b);
        }
        return new Snapshot(taken, blobs, pending, keys, lastUse, otherBytes);
    }

    /** Everything the cache holds: blobs, part files and quarantined blobs. */
    long totalBytes() {
        return blobs.stream().mapToLong(Store.Blob::size).sum() + otherBytes;
    }

    /** What the cache holds, without reading key records: for the automatic cap's quick check. */
    static long usage(Store store) throws IOException {
        return store.blobs().stream().mapToLong(Store.Blob::size).sum() + store.tmpBytes() + quarantineBytes(store);
    }

    private static long quarantineBytes(Store store) throws IOException {
        return store.quarantined().stream().mapToLong(Store.Quarantined::size).sum();
    }

    List<KeyId> keysOf(Sha256 sha256) {
        return keys.getOrDefault(sha256, List.of());
    }

    /** The blob's lock and its keys' locks. */
    List<String> lockNames(Store.Blob blob) {
        List<String> names = new ArrayList<>();
        names.add(Maintenance.blobLockName(blob.sha256()));
        for (KeyId id : keysOf(blob.sha256())) {
            names.add(id.hex());
        }
        return names;
    }

    /** When a key last used the blob; a blob no key names counts as never used. */
    Instant lastUse(Store.Blob blob) {
        Instant used = lastUse.get(blob.sha256());
        return used == null ? Instant.EPOCH : used;
    }
}
