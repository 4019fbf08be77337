package io.cachet.internal;

import io.cachet.BlobCheck;
import io.cachet.GcResult;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.store.KeyId;
import io.cachet.internal.store.PartFile;
import io.cachet.internal.store.PrivateFiles;
import io.cachet.internal.store.RefFile;
import io.cachet.internal.store.Sidecar;
import io.cachet.internal.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code verify} and {@code gc}: work on blobs that other callers and processes may be fetching.
 * Both take the locks of every key naming a blob before moving or deleting it, and neither waits
 * for a busy lock: a busy artifact is skipped and reported, never taken from under its holder.
 */
final class Maintenance {
    private final Engine engine;
    private final Store store;

    Maintenance(Engine engine) {
        this.engine = engine;
        this.store = engine.store;
    }

    // ---- verify ----------------------------------------------------------------------------------

    Flux<BlobCheck> verify() {
        return Mono.fromCallable(this::snapshot)
                .subscribeOn(engine.io)
                .flatMapMany(snapshot -> Flux.fromIterable(snapshot.blobs).concatMap(blob -> check(blob, snapshot)));
    }

    private Mono<BlobCheck> check(Store.StoredBlob blob, Snapshot snapshot) {
        return Mono.fromCallable(() -> sha256Of(blob.path()))
                .subscribeOn(engine.io)
                .flatMap(actual -> {
                    if (actual.equals(blob.sha256())) {
                        return Mono.just(new BlobCheck(blob.sha256(), blob.size(), true, actual, null));
                    }
                    return underLocks(snapshot.keysOf(blob.sha256()), () -> quarantine(blob))
                            .map(moved -> new BlobCheck(blob.sha256(), blob.size(), false, actual, moved.orElse(null)))
                            .defaultIfEmpty(new BlobCheck(blob.sha256(), blob.size(), false, actual, null));
                });
    }

    /** Moves a corrupt blob aside (by rename: never truncated or written, RELIABILITY.md S5). */
    private java.util.Optional<Path> quarantine(Store.StoredBlob blob) throws IOException {
        if (sha256Of(blob.path()).equals(blob.sha256())) {
            return java.util.Optional.empty(); // Replaced by a fresh download while we waited.
        }
        Path quarantine = store.layout().quarantine();
        if (!Files.isDirectory(quarantine, LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.directory(quarantine);
            store.disk().setMode(quarantine, store.permissions().directory());
        }
        Path target =
                quarantine.resolve(blob.sha256().hex() + "." + Instant.now().toEpochMilli());
        store.disk().move(blob.path(), target);
        store.disk().syncParentOf(blob.path());
        store.disk().syncDirectory(quarantine);
        return java.util.Optional.of(target);
    }

    // ---- gc --------------------------------------------------------------------------------------

    Mono<GcResult> gc(long maxBytes) {
        if (maxBytes < 0) {
            return Mono.error(new IllegalArgumentException("max size must not be negative: " + maxBytes));
        }
        return Mono.fromCallable(this::snapshot).subscribeOn(engine.io).flatMap(snapshot -> {
            long total =
                    snapshot.blobs.stream().mapToLong(Store.StoredBlob::size).sum();
            long[] state = {total, 0, 0, 0}; // remaining, freed, removed, busy
            List<Store.StoredBlob> oldestFirst = new ArrayList<>(snapshot.blobs);
            oldestFirst.sort(Comparator.comparing(b -> snapshot.lastUse(b)));
            return Flux.fromIterable(oldestFirst)
                    .concatMap(blob -> {
                        if (state[0] <= maxBytes) {
                            return Mono.empty();
                        }
                        return underLocks(snapshot.keysOf(blob.sha256()), () -> evict(blob))
                                .doOnNext(freed -> {
                                    state[0] -= freed;
                                    state[1] += freed;
                                    state[2]++;
                                })
                                .switchIfEmpty(Mono.fromRunnable(() -> state[3]++));
                    })
                    .then(removeAbandonedParts())
                    .map(parts -> new GcResult((int) state[2], state[1], state[0], (int) state[3], parts));
        });
    }

    private long evict(Store.StoredBlob blob) throws IOException {
        List<KeyId> naming = new ArrayList<>();
        for (Store.StoredRef ref : store.refs()) {
            if (ref.ref().sha256().equals(blob.sha256())) {
                naming.add(ref.id());
            }
        }
        for (KeyId id : naming) {
            store.deleteRef(id);
        }
        Files.deleteIfExists(blob.path());
        store.disk().syncDirectory(store.layout().refs());
        store.disk().syncParentOf(blob.path());
        return blob.size();
    }

    /** Deletes part files whose owners are provably gone, each under its key's lock. */
    private Mono<Integer> removeAbandonedParts() {
        return Mono.fromCallable(this::abandonedPartKeys)
                .subscribeOn(engine.io)
                .flatMapMany(Flux::fromIterable)
                .concatMap(id -> underLocks(List.of(id), () -> removeParts(id)))
                .reduce(0, Integer::sum);
    }

    private List<KeyId> abandonedPartKeys() throws IOException {
        TreeSet<String> ids = new TreeSet<>();
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(store.layout().tmp())) {
            for (Path path : tmp) {
                String name = path.getFileName().toString();
                if (name.length() > 65
                        && name.charAt(64) == '.'
                        && name.substring(0, 64).matches("[0-9a-f]{64}")) {
                    ids.add(name.substring(0, 64));
                }
            }
        }
        return ids.stream().map(KeyId::new).toList();
    }

    private int removeParts(KeyId id) throws IOException {
        int removed = 0;
        for (PartFile part : store.parts(id)) {
            Sidecar s = part.sidecar();
            if (s == null || s.owner().isProvablyGone() || s.owner().isCurrent()) {
                store.deletePart(id, part.unique());
                removed++;
            }
        }
        return removed;
    }

    // ---- shared ----------------------------------------------------------------------------------

    /**
     * Runs {@code body} holding the locks of {@code ids} (taken in a fixed order, each only if
     * free); empty if any was busy.
     */
    private <T> Mono<T> underLocks(List<KeyId> ids, Callable<T> body) {
        List<KeyId> ordered =
                ids.stream().distinct().sorted(Comparator.comparing(KeyId::hex)).toList();
        // The locks are released before the result is signalled (usingWhen), so that a caller who
        // closes the cache as soon as verify or gc completes does not strand a release behind it.
        return Mono.usingWhen(
                Mono.fromSupplier(() -> new ArrayList<LockManager.Lease>()),
                held -> Flux.fromIterable(ordered)
                        .concatMap(id -> engine.locks.acquire(id, Duration.ZERO, (other, waited) -> {}))
                        .doOnNext(held::add)
                        .then(Mono.fromCallable(body).subscribeOn(engine.io))
                        .onErrorResume(LockManager.TimedOut.class, busy -> Mono.empty())
                        .onErrorMap(
                                IOException.class,
                                e -> StorageException.of(store.layout().root(), "maintain", e)),
                Maintenance::releaseAll,
                (held, error) -> releaseAll(held),
                Maintenance::releaseAll);
    }

    private static Mono<Void> releaseAll(List<LockManager.Lease> held) {
        return Flux.fromIterable(held).concatMap(LockManager.Lease::release).then();
    }

    private Snapshot snapshot() throws IOException {
        return new Snapshot(store.blobs(), store.refs());
    }

    private static Sha256 sha256Of(Path file) throws IOException {
        MessageDigest digest = Download.newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return Sha256.of(digest.digest());
    }

    private static final class Snapshot {
        final List<Store.StoredBlob> blobs;
        final Map<Sha256, List<KeyId>> keys = new HashMap<>();
        final Map<Sha256, Instant> lastUse = new HashMap<>();

        Snapshot(List<Store.StoredBlob> blobs, List<Store.StoredRef> refs) {
            this.blobs = blobs;
            for (Store.StoredRef stored : refs) {
                RefFile ref = stored.ref();
                keys.computeIfAbsent(ref.sha256(), s -> new ArrayList<>()).add(stored.id());
                lastUse.merge(ref.sha256(), stored.lastUsed(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }

        List<KeyId> keysOf(Sha256 sha256) {
            return keys.getOrDefault(sha256, List.of());
        }

        Instant lastUse(Store.StoredBlob blob) {
            @Nullable Instant used = lastUse.get(blob.sha256());
            return used == null ? Instant.EPOCH : used;
        }
    }
}
