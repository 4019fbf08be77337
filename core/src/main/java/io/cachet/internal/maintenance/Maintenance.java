package io.cachet.internal.maintenance;

import io.cachet.BlobCheck;
import io.cachet.CacheEntry;
import io.cachet.GcResult;
import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * {@code entries}, {@code verify} and {@code gc}: work on blobs that other callers and processes
 * may be fetching at the same moment.
 *
 * <p>Eviction (see docs/architecture.md, "Eviction"): {@code gc} reads the store once (blobs, then
 * the records being committed, then the key records: O(keys + blobs)), and evicts least recently
 * used blobs first. A blob is deleted only while {@code gc} holds its lock and the locks of every key
 * that named it, each taken only if free, and only if nothing changed since the listing: the blob
 * was not rewritten or re-referenced (its modification time), and each key still names it. Whoever
 * names an existing blob under a new key does so under the blob's lock and sets its modification
 * time. A blob that no key names is evicted only when no commit in progress is about to name it and
 * it is older than the minimum age. Busy artifacts are skipped and reported, never waited for.
 */
public final class Maintenance {
    private final Store store;
    private final LockManager locks;
    private final Scheduler io;

    public Maintenance(Store store, LockManager locks, Scheduler io) {
        this.store = store;
        this.locks = locks;
        this.io = io;
    }

    /** The name of a blob's lock in {@code locks/}, beside the keys' (which are 64 hex characters). */
    public static String blobLockName(Sha256 sha256) {
        return "blob-" + sha256.hex();
    }

    // ---- entries ---------------------------------------------------------------------------------

    /** Every key in the cache with the blob it names. */
    public Flux<CacheEntry> entries() {
        return Mono.fromCallable(store::records)
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(store.refs(), "list", e))
                .flatMapIterable(records -> records)
                .map(stored -> {
                    Store.Record record = stored.record();
                    boolean present;
                    try {
                        present = store.hasBlob(record.sha256(), record.size());
                    } catch (IOException e) {
                        present = false;
                    }
                    return new CacheEntry(
                            new Key(record.key()),
                            record.url(),
                            record.sha256(),
                            record.size(),
                            store.blobPath(record.sha256()),
                            stored.lastUsed(),
                            record.pinned(),
                            present);
                });
    }

    // ---- verify ----------------------------------------------------------------------------------

    /** Re-hashes every blob; a corrupt one goes to {@code quarantine/} under its locks. */
    public Flux<BlobCheck> verify() {
        return Mono.fromCallable(() -> Snapshot.read(store))
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "list", e))
                .flatMapMany(snapshot -> Flux.fromIterable(snapshot.blobs()).concatMap(blob -> check(blob, snapshot)));
    }

    private Mono<BlobCheck> check(Store.Blob blob, Snapshot snapshot) {
        return Mono.fromCallable(() -> Digests.of(blob.path())).subscribeOn(io).flatMap(actual -> {
            if (actual.equals(blob.sha256())) {
                return Mono.just(new BlobCheck(blob.sha256(), blob.size(), true, actual, null));
            }
            return underLocks(snapshot.lockNames(blob), () -> quarantine(blob))
                    .map(moved -> new BlobCheck(blob.sha256(), blob.size(), false, actual, moved.orElse(null)))
                    .defaultIfEmpty(new BlobCheck(blob.sha256(), blob.size(), false, actual, null));
        });
    }

    private Optional<Path> quarantine(Store.Blob blob) throws IOException {
        if (Digests.of(blob.path()).equals(blob.sha256())) {
            return Optional.empty(); // Replaced by a fresh download while we waited.
        }
        return Optional.of(store.quarantine(blob));
    }

    // ---- gc --------------------------------------------------------------------------------------

    /**
     * Evicts least recently used artifacts until the blobs take at most {@code maxBytes}; then removes
     * what dead writers left in {@code tmp/}.
     *
     * @param minAge artifacts used (or blobs written) more recently than this are kept
     */
    public Mono<GcResult> gc(long maxBytes, Duration minAge) {
        if (maxBytes < 0) {
            return Mono.error(new IllegalArgumentException("max size must not be negative: " + maxBytes));
        }
        return Mono.fromCallable(() -> Snapshot.read(store))
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "list", e))
                .flatMap(snapshot -> evict(snapshot, maxBytes, minAge))
                .flatMap(tally -> removeAbandonedParts().map(parts -> tally.result(parts)));
    }

    private Mono<Tally> evict(Snapshot snapshot, long maxBytes, Duration minAge) {
        Instant youngest = snapshot.taken().minus(minAge);
        Tally tally = new Tally(snapshot.totalBytes());
        List<Store.Blob> candidates = new ArrayList<>();
        for (Store.Blob blob : snapshot.blobs()) {
            boolean young =
                    snapshot.lastUse(blob).isAfter(youngest) || blob.modified().isAfter(youngest);
            if (!young && !snapshot.pending().contains(blob.sha256())) {
                candidates.add(blob);
            }
        }
        candidates.sort(Comparator.comparing(snapshot::lastUse));
        return Flux.fromIterable(candidates)
                .concatMap(blob -> {
                    if (tally.remaining <= maxBytes) {
                        return Mono.empty();
                    }
                    return underLocks(snapshot.lockNames(blob), () -> evictOne(blob, snapshot), true)
                            .doOnNext(freed -> {
                                if (freed) {
                                    tally.evicted(blob.size());
                                } else {
                                    tally.busy++;
                                }
                            })
                            .switchIfEmpty(Mono.fromRunnable(() -> tally.busy++));
                })
                .then(Mono.just(tally));
    }

    /** Under the locks of the blob and its keys: evicts it if nothing changed since the listing. */
    private boolean evictOne(Store.Blob listed, Snapshot snapshot) throws IOException {
        Optional<Store.Blob> now = store.blobs(listed.sha256());
        if (now.isEmpty()) {
            return false;
        }
        if (!now.get().modified().equals(listed.modified())) {
            return false; // Rewritten, or named by another key, since the listing: in use.
        }
        for (KeyId id : snapshot.keysOf(listed.sha256())) {
            Store.Record record = store.readRecord(id);
            if (record != null && record.sha256().equals(listed.sha256())) {
                store.deleteRecord(id);
            }
        }
        store.syncRecords();
        store.deleteBlob(listed);
        return true;
    }

    /** Deletes abandoned part files under their keys' locks, then dead writers' other leftovers. */
    private Mono<Integer> removeAbandonedParts() {
        return Mono.fromCallable(store::keysInTmp)
                .subscribeOn(io)
                .flatMapMany(Flux::fromIterable)
                .concatMap(id -> underLocks(List.of(id.hex()), () -> removeParts(id)))
                .reduce(0, Integer::sum)
                .flatMap(parts -> Mono.fromCallable(() -> parts + store.collectLeftovers())
                        .subscribeOn(io))
                .onErrorMap(IOException.class, e -> StorageException.of(store.tmp(), "clean up", e));
    }

    private int removeParts(KeyId id) throws IOException {
        int removed = 0;
        for (Store.Part part : store.parts(id)) {
            if (part.isAbandoned()) {
                store.deletePart(id, part.unique());
                removed++;
            }
        }
        return removed;
    }

    // ---- shared ----------------------------------------------------------------------------------

    private <T> Mono<T> underLocks(List<String> names, Callable<T> body) {
        return underLocks(names, body, false);
    }

    /**
     * Runs {@code body} holding the locks named {@code names} (taken in a fixed order, each only if
     * free); empty if any was busy. With {@code collect}, a body that returns {@code true} has removed
     * what the locks guarded, and the lock files are deleted as they are released.
     */
    private <T> Mono<T> underLocks(List<String> names, Callable<T> body, boolean collect) {
        List<String> ordered = names.stream().distinct().sorted().toList();
        // The locks are released before the result is signalled (usingWhen), so that a caller who
        // closes the cache as soon as verify or gc completes does not strand a release behind it.
        return Mono.usingWhen(
                Mono.fromSupplier(() -> new ArrayList<LockManager.Lease>()),
                held -> Flux.fromIterable(ordered)
                        .concatMap(name -> locks.acquire(name, Duration.ZERO, (other, waited) -> {}))
                        .doOnNext(held::add)
                        .then(Mono.fromCallable(body).subscribeOn(io))
                        .flatMap(result -> collect && Boolean.TRUE.equals(result)
                                ? Flux.fromIterable(held)
                                        .concatMap(LockManager.Lease::releaseAndDelete)
                                        .then(Mono.just(result))
                                : Mono.just(result))
                        .onErrorResume(LockManager.TimedOut.class, busy -> Mono.empty())
                        .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "maintain", e)),
                Maintenance::releaseAll,
                (held, error) -> releaseAll(held),
                Maintenance::releaseAll);
    }

    private static Mono<Void> releaseAll(List<LockManager.Lease> held) {
        return Flux.fromIterable(held).concatMap(LockManager.Lease::release).then();
    }

    /** What gc did so far; touched by its steps one after another. */
    private static final class Tally {
        long remaining;
        long freed;
        int removed;
        int busy;

        Tally(long total) {
            this.remaining = total;
        }

        void evicted(long size) {
            remaining -= size;
            freed += size;
            removed++;
        }

        GcResult result(int parts) {
            return new GcResult(removed, freed, remaining, busy, parts);
        }
    }
}
