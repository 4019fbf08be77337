package io.cachet.internal.maintenance;

import io.cachet.BlobCheck;
import io.cachet.CacheEntry;
import io.cachet.CacheEvent;
import io.cachet.GcResult;
import io.cachet.Key;
import io.cachet.Removal;
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
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
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
 * it is older than the minimum age. Busy artifacts are skipped and reported, never waited for: a
 * leased artifact's blob is locked shared by its holders, which is busy to eviction's exclusive
 * attempt. What {@code tmp/} and {@code quarantine/} hold counts against the size, and quarantined
 * blobs older than {@link #QUARANTINE_KEPT} are deleted.
 *
 * <p>{@code remove} deletes a key's record under the key's lock (only if free), then its blob by
 * the same rule as eviction, minimum age aside: only if no key names it, no commit is about to, and
 * no one holds it.
 */
public final class Maintenance {
    /** How long a quarantined blob is kept for someone to look at, before gc deletes it. */
    public static final Duration QUARANTINE_KEPT = Duration.ofDays(7);

    private final Store store;
    private final LockManager locks;
    private final Scheduler io;
    private final Consumer<CacheEvent> events;

    public Maintenance(Store store, LockManager locks, Scheduler io, Consumer<CacheEvent> events) {
        this.store = store;
        this.locks = locks;
        this.io = io;
        this.events = events;
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
     * Removes what dead writers left in {@code tmp/} and quarantined blobs older than a week, then
     * evicts least recently used artifacts until the cache holds at most {@code maxBytes}.
     *
     * @param minAge artifacts used (or blobs written) more recently than this are kept
     */
    public Mono<GcResult> gc(long maxBytes, Duration minAge) {
        return collect(maxBytes, minAge, false);
    }

    /**
     * The automatic cap: {@link #gc} if the cache holds more than {@code maxBytes}, else nothing
     * (then a result with only {@link GcResult#bytesRemaining()}), so resumable parts stay while
     * there is room.
     */
    public Mono<GcResult> trim(long maxBytes, Duration minAge) {
        return Mono.fromCallable(() -> Snapshot.usage(store))
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "measure", e))
                .flatMap(used -> used <= maxBytes
                        ? Mono.just(new GcResult(0, 0, used, 0, 0, 0))
                        : collect(maxBytes, minAge, true));
    }

    private Mono<GcResult> collect(long maxBytes, Duration minAge, boolean automatic) {
        if (maxBytes < 0) {
            return Mono.error(new IllegalArgumentException("max size must not be negative: " + maxBytes));
        }
        if (minAge.isNegative()) {
            return Mono.error(new IllegalArgumentException("min age must not be negative: " + minAge));
        }
        Tally tally = new Tally();
        return removeAbandonedParts(tally)
                .then(Mono.fromCallable(() -> expireQuarantine(tally)).subscribeOn(io))
                .then(Mono.fromCallable(() -> Snapshot.read(store)).subscribeOn(io))
                .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "list", e))
                .flatMap(snapshot -> evict(snapshot, maxBytes, minAge, automatic, tally))
                .map(Tally::result);
    }

    private Mono<Tally> evict(Snapshot snapshot, long maxBytes, Duration minAge, boolean automatic, Tally tally) {
        Instant youngest = snapshot.taken().minus(minAge);
        tally.remaining = snapshot.totalBytes();
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
                    return underLocks(
                                    snapshot.lockNames(blob),
                                    () -> evictOne(blob, snapshot.keysOf(blob.sha256()), automatic),
                                    Boolean::booleanValue)
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

    /**
     * Under the locks of the blob and the keys listed as naming it: deletes the records of those that
     * still name it, then the blob, if nothing changed since it was listed.
     */
    private boolean evictOne(Store.Blob listed, List<KeyId> keys, boolean automatic) throws IOException {
        Optional<Store.Blob> now = store.blobs(listed.sha256());
        if (now.isEmpty()) {
            return false;
        }
        if (!now.get().modified().equals(listed.modified())) {
            return false; // Rewritten, or named by another key, since the listing: in use.
        }
        List<Key> removed = new ArrayList<>();
        for (KeyId id : keys) {
            Store.Record record = store.readRecord(id);
            if (record != null && record.sha256().equals(listed.sha256())) {
                store.deleteRecord(id);
                removed.add(new Key(record.key()));
            }
        }
        store.syncRecords();
        store.deleteBlob(listed);
        for (Key key : removed) {
            events.accept(new CacheEvent.Evicted(key, listed.sha256(), listed.size(), automatic));
        }
        return true;
    }

    /** Deletes abandoned part files under their keys' locks, then dead writers' other leftovers. */
    private Mono<Void> removeAbandonedParts(Tally tally) {
        return Mono.fromCallable(store::keysInTmp)
                .subscribeOn(io)
                .flatMapMany(Flux::fromIterable)
                .concatMap(id -> underLocks(List.of(id.hex()), () -> removeParts(id, tally)))
                .then(Mono.fromRunnable(() -> {
                            try {
                                tally.parts += store.collectLeftovers();
                            } catch (IOException e) {
                                throw StorageException.of(store.tmp(), "clean up", e);
                            }
                        })
                        .subscribeOn(io))
                .onErrorMap(IOException.class, e -> StorageException.of(store.tmp(), "clean up", e))
                .then();
    }

    private int removeParts(KeyId id, Tally tally) throws IOException {
        int removed = 0;
        for (Store.Part part : store.parts(id)) {
            if (part.isAbandoned()) {
                store.deletePart(id, part.unique());
                tally.parts++;
                tally.freed += Math.max(0, part.size());
                removed++;
            }
        }
        return removed;
    }

    /**
     * Deletes quarantined blobs older than {@link #QUARANTINE_KEPT}. No lock: nothing reads them, and
     * each was moved there under a unique name.
     */
    private int expireQuarantine(Tally tally) throws IOException {
        Instant expired = Instant.now().minus(QUARANTINE_KEPT);
        for (Store.Quarantined blob : store.quarantined()) {
            if (blob.since().isBefore(expired)) {
                try {
                    if (store.deleteQuarantined(blob)) {
                        tally.quarantine++;
                        tally.freed += blob.size();
                    }
                } catch (IOException notOurs) {
                    // Another user's, in a shared cache without the group's write access: left alone.
                }
            }
        }
        return tally.quarantine;
    }

    // ---- remove ----------------------------------------------------------------------------------

    /**
     * Removes {@code key}: its record under its lock, taken only if free (a key being fetched is
     * {@link Removal.Outcome#BUSY}), then its blob if nothing else names or holds it.
     */
    public Mono<Removal> remove(Key key) {
        KeyId id = KeyId.of(key);
        return underLocks(List.of(id.hex()), () -> Optional.ofNullable(removeRecord(id)), Optional::isPresent)
                .flatMap(removed -> removed.isEmpty()
                        ? Mono.just(new Removal(key, Removal.Outcome.NOT_CACHED, null, -1, Removal.Blob.NONE))
                        : collectBlob(removed.get().sha256())
                                .map(blob -> new Removal(
                                        key,
                                        Removal.Outcome.REMOVED,
                                        removed.get().sha256(),
                                        removed.get().size(),
                                        blob)))
                .defaultIfEmpty(new Removal(key, Removal.Outcome.BUSY, null, -1, Removal.Blob.NONE));
    }

    private Store.@Nullable Record removeRecord(KeyId id) throws IOException {
        Store.Record record = store.readRecord(id);
        if (record != null) {
            store.deleteRecord(id);
            store.syncRecords();
        }
        return record;
    }

    /**
     * Deletes the blob {@code sha256} if no key names it and no commit is about to: read in the order
     * of a {@link Snapshot} (blob, staged records, key records), then deleted under the blob's lock,
     * taken only if free, if its modification time has not changed since.
     */
    private Mono<Removal.Blob> collectBlob(Sha256 sha256) {
        return Mono.fromCallable(() -> {
                    Optional<Store.Blob> blob = store.blobs(sha256);
                    if (blob.isEmpty()) {
                        return new Named(null, Removal.Blob.NONE);
                    }
                    if (store.pendingDigests().contains(sha256)) {
                        return new Named(null, Removal.Blob.KEPT_IN_USE);
                    }
                    for (Store.StoredRecord stored : store.records()) {
                        if (stored.record().sha256().equals(sha256)) {
                            return new Named(null, Removal.Blob.KEPT_SHARED);
                        }
                    }
                    return new Named(blob.get(), Removal.Blob.NONE);
                })
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(store.root(), "list", e))
                .flatMap(named -> named.unnamed() == null ? Mono.just(named.kept()) : deleteUnnamed(named.unnamed()));
    }

    /** A blob that no key names, or what keeps it. */
    private record Named(Store.@Nullable Blob unnamed, Removal.Blob kept) {}

    private Mono<Removal.Blob> deleteUnnamed(Store.Blob listed) {
        Sha256 sha256 = listed.sha256();
        return underLocks(
                        List.of(blobLockName(sha256)),
                        () -> {
                            Optional<Store.Blob> now = store.blobs(sha256);
                            if (now.isEmpty() || !now.get().modified().equals(listed.modified())) {
                                return false; // Named again meanwhile.
                            }
                            store.deleteBlob(now.get());
                            return true;
                        },
                        Boolean::booleanValue)
                .map(deleted -> deleted ? Removal.Blob.DELETED : Removal.Blob.KEPT_SHARED)
                .defaultIfEmpty(Removal.Blob.KEPT_IN_USE);
    }

    // ---- shared ----------------------------------------------------------------------------------

    private <T> Mono<T> underLocks(List<String> names, Callable<T> body) {
        return underLocks(names, body, result -> false);
    }

    /**
     * Runs {@code body} holding the locks named {@code names} (taken in a fixed order, each only if
     * free); empty if any was busy. A result that {@code collect} accepts means the body removed what
     * the locks guarded: the lock files are deleted as they are released.
     */
    private <T> Mono<T> underLocks(List<String> names, Callable<T> body, Predicate<T> collect) {
        List<String> ordered = names.stream().distinct().sorted().toList();
        // The locks are released before the result is signalled (usingWhen), so that a caller who
        // closes the cache as soon as verify or gc completes does not strand a release behind it.
        return Mono.usingWhen(
                Mono.fromSupplier(() -> new ArrayList<LockManager.Lease>()),
                held -> Flux.fromIterable(ordered)
                        .concatMap(name -> locks.acquire(name, Duration.ZERO, (other, waited) -> {}))
                        .doOnNext(held::add)
                        .then(Mono.fromCallable(body).subscribeOn(io))
                        .flatMap(result -> collect.test(result)
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
        int parts;
        int quarantine;

        void evicted(long size) {
            remaining -= size;
            freed += size;
            removed++;
        }

        GcResult result() {
            return new GcResult(removed, freed, remaining, busy, parts, quarantine);
        }
    }
}
