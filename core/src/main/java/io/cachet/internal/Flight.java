package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.commit.Commit;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.fleet.Fleet;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.maintenance.Maintenance;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.Origin;
import io.cachet.spi.Text;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What happens to one request that the memo of hits could not answer, from the store's lookup to
 * the lock's release, as the design's diagram draws it (docs/architecture.md, "A fetch"):
 *
 * <pre>
 * {@link Lookup} ── hit ─▶ Hit
 *   ── miss, offline ─▶ OfflineException (no lock, no origin)
 *   └▶ key lock (in-JVM table, then OS file lock polled with backoff) ─▶ {@link Lookup} again
 *        ── hit ─▶ Hit (WAITED if another holder just committed; re-hashed first if asked)
 *        ── the pinned blob is there ─▶ name it under the blob's lock (shared) ─▶ Hit
 *        ── miss ─▶ {@link Download} ─▶ {@link Commit} ─▶ Committed
 *                   (with a tier: {@link Fleet}, the tier and the cluster's lease, around them)
 *   └▶ release the lock ─▶ every caller of the flight gets the same Artifact
 * </pre>
 */
final class Flight {
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Store store;
    private final LockManager locks;
    private final Commit commit;
    private final Lookup lookup;
    private final Download.Context downloads;
    private final @Nullable Fleet fleet;
    private final HitMemo memo;
    private final Events events;
    private final Scheduler io;
    private final Scheduler timer;
    private final @Nullable Duration lockTimeout;
    private final boolean offline;
    private final Function<URI, Origin> mirrorOrigins;
    private final Map<KeyId, Long> lastTouch = new ConcurrentHashMap<>();

    Flight(
            Store store,
            LockManager locks,
            Commit commit,
            Download.Context downloads,
            @Nullable Fleet fleet,
            HitMemo memo,
            Events events,
            Scheduler io,
            Scheduler timer,
            @Nullable Duration lockTimeout,
            boolean offline,
            Function<URI, Origin> mirrorOrigins) {
        this.store = store;
        this.locks = locks;
        this.commit = commit;
        this.lookup = new Lookup(store);
        this.downloads = downloads;
        this.fleet = fleet;
        this.memo = memo;
        this.events = events;
        this.io = io;
        this.timer = timer;
        this.lockTimeout = lockTimeout;
        this.offline = offline;
        this.mirrorOrigins = mirrorOrigins;
    }

    /** The artifact for {@code request}, from the store or downloaded from {@code origin}. */
    Mono<Artifact> run(FetchRequest request, Origin origin) {
        KeyId id = KeyId.of(request.key());
        return Mono.fromCallable(() -> lookup.find(request, id))
                .subscribeOn(io)
                .flatMap(found ->
                        found instanceof Lookup.Outcome.Hit hit && hit.recordUpdate() == null && !request.verifyHit()
                                ? Mono.just(hit(id, request.uri(), hit.artifact()))
                                : offline && found instanceof Lookup.Outcome.Miss
                                        ? Mono.error(offline(request))
                                        : locked(request, origin, id))
                .doOnError(e -> {
                    if (e instanceof CachetException failure) {
                        events.emit(new CacheEvent.Failed(request.key(), failure));
                    }
                });
    }

    private Mono<Artifact> locked(FetchRequest request, Origin origin, KeyId id) {
        WaitReporter waiting =
                new WaitReporter(store, request.key(), id, events, () -> timer.now(TimeUnit.MILLISECONDS));
        return Mono.usingWhen(
                locks.acquire(id.hex(), lockTimeout, waiting)
                        .onErrorResume(LockManager.TimedOut.class, t -> lockTimeout(request.key(), id, t.waited())),
                lease -> Mono.fromCallable(() -> lookup.find(request, id))
                        .subscribeOn(io)
                        .flatMap(found -> underLock(request, origin, id, waited(found, lease.waited()))),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    /** A hit found after waiting for another holder is that holder's download: WAITED, in its event too. */
    private static Lookup.Outcome waited(Lookup.Outcome found, boolean waited) {
        return waited && found instanceof Lookup.Outcome.Hit hit
                ? new Lookup.Outcome.Hit(hit.artifact().withSource(Artifact.Source.WAITED), hit.recordUpdate())
                : found;
    }

    private Mono<Artifact> underLock(FetchRequest request, Origin origin, KeyId id, Lookup.Outcome found) {
        if (found instanceof Lookup.Outcome.Hit hit) {
            Mono<Boolean> intact = request.verifyHit() ? rehash(hit.artifact().sha256()) : Mono.just(true);
            return intact.flatMap(ok -> ok
                    ? Mono.fromCallable(() -> confirmed(id, request.uri(), hit)).subscribeOn(io)
                    : download(request, origin, id));
        }
        if (found instanceof Lookup.Outcome.ByDigest byDigest) {
            return reuse(request, id, byDigest).switchIfEmpty(Mono.defer(() -> download(request, origin, id)));
        }
        return download(request, origin, id);
    }

    private Artifact confirmed(KeyId id, URI uri, Lookup.Outcome.Hit hit) {
        Store.Record update = hit.recordUpdate();
        if (update != null) {
            lookup.confirm(id, update);
        }
        return hit(id, uri, hit.artifact());
    }

    /**
     * Re-hashes a blob for a request that asked to verify its hit; a blob whose bytes changed on disk
     * goes to {@code quarantine/} (under the blob's lock, if free: a leased one is left to its holders,
     * and the download replaces it by rename), so that it is downloaded again. Hashing needs no blob
     * lock: this key's lock, held here, keeps eviction from the blob the key names.
     *
     * @return whether the blob is intact
     */
    private Mono<Boolean> rehash(Sha256 sha256) {
        Path blob = store.blobPath(sha256);
        return Mono.fromCallable(() -> Digests.of(blob).equals(sha256))
                .subscribeOn(io)
                .onErrorMap(IOException.class, e -> StorageException.of(blob, "re-hash", e))
                .flatMap(intact -> intact ? Mono.just(true) : quarantine(sha256).thenReturn(false));
    }

    private Mono<Void> quarantine(Sha256 sha256) {
        return Mono.usingWhen(
                        locks.acquire(Maintenance.blobLockName(sha256), Duration.ZERO, (other, waited) -> {}),
                        lease -> Mono.fromCallable(() -> {
                                    if (!Digests.of(store.blobPath(sha256)).equals(sha256)) {
                                        java.util.Optional<Store.Blob> found = store.blobs(sha256);
                                        if (found.isPresent()) {
                                            store.quarantine(found.get());
                                        }
                                    }
                                    return true;
                                })
                                .subscribeOn(io)
                                .onErrorMap(
                                        IOException.class,
                                        e -> StorageException.of(store.blobPath(sha256), "quarantine", e)),
                        LockManager.Lease::release,
                        (lease, error) -> lease.release(),
                        LockManager.Lease::release)
                .onErrorResume(LockManager.TimedOut.class, inUse -> Mono.empty())
                .then();
    }

    /** A hit: remembered, touched for eviction order, announced. Runs on the I/O threads. */
    private Artifact hit(KeyId id, URI uri, Artifact artifact) {
        touch(id);
        memo.remember(id, artifact, uri, store.recordPath(id));
        events.emit(new CacheEvent.Hit(artifact.key(), artifact));
        return artifact;
    }

    /**
     * Names a blob that is already there under a new key, holding the blob's lock (shared) so that
     * {@code gc} cannot evict it between the check and the record (see docs/architecture.md, "Eviction"). The
     * blob's modification time is set to now, which tells a {@code gc} that listed it earlier that it
     * is in use again. Empty if the blob turns out not to be the pinned bytes: it is then downloaded.
     */
    private Mono<Artifact> reuse(FetchRequest request, KeyId id, Lookup.Outcome.ByDigest found) {
        Sha256 sha256 = found.sha256();
        return Mono.usingWhen(
                // Shared: it excludes eviction, not the blob's leases or other keys naming it.
                locks.acquireShared(Maintenance.blobLockName(sha256)),
                lease -> Mono.fromCallable(() -> {
                            Path blob = store.blobPath(sha256);
                            long size = store.blobSize(sha256);
                            boolean confirmed = found.size() >= 0
                                    ? size == found.size()
                                    : size >= 0 && Digests.of(blob).equals(sha256);
                            if (!confirmed) {
                                return null;
                            }
                            lookup.confirm(id, record(request, sha256, size));
                            try {
                                // After the record: a gc that listed the blob before this sees it changed; one
                                // that lists it after also lists the record.
                                Files.setLastModifiedTime(blob, FileTime.from(Instant.now()));
                            } catch (IOException notOurs) {
                                // Another user's blob in a shared cache: eviction then relies on its age.
                            }
                            return hit(
                                    id,
                                    request.uri(),
                                    new Artifact(request.key(), blob, sha256, size, Artifact.Source.HIT));
                        })
                        .subscribeOn(io),
                LockManager.Lease::release,
                (lease, error) -> lease.release(),
                LockManager.Lease::release);
    }

    private Mono<Artifact> download(FetchRequest request, Origin origin, KeyId id) {
        if (offline) {
            return Mono.error(offline(request));
        }
        List<Download.Source> sources = new ArrayList<>();
        sources.add(new Download.Source(origin, request.uri(), request.headers()));
        for (URI mirror : request.mirrors()) {
            sources.add(
                    new Download.Source(mirrorOrigins.apply(mirror), mirror, Map.of())); // Never the caller's headers.
        }
        if (fleet != null) {
            return fleet.fetch(
                            request,
                            id,
                            sources,
                            part -> commit.commit(part, record(request, part.sha256(), part.size())))
                    .map(f -> committed(
                            id, request, new Artifact(request.key(), f.blob(), f.sha256(), f.size(), f.source())));
        }
        return Download.run(downloads, request, id, sources)
                .flatMap(part -> commit.commit(part, record(request, part.sha256(), part.size()))
                        .map(blob -> committed(
                                id,
                                request,
                                new Artifact(
                                        request.key(),
                                        blob,
                                        part.sha256(),
                                        part.size(),
                                        part.resumed() ? Artifact.Source.RESUMED : Artifact.Source.DOWNLOADED))));
    }

    private static OfflineException offline(FetchRequest request) {
        return new OfflineException(request.key(), Text.redact(request.uri()));
    }

    private Store.Record record(FetchRequest request, Sha256 sha256, long size) {
        return new Store.Record(
                request.key().toString(),
                Text.redact(request.uri()),
                Lookup.uriHash(request),
                sha256,
                size,
                request.isPinned());
    }

    private Artifact committed(KeyId id, FetchRequest request, Artifact artifact) {
        memo.remember(id, artifact.withSource(Artifact.Source.HIT), request.uri(), store.recordPath(id));
        events.emit(new CacheEvent.Committed(request.key(), artifact));
        return artifact;
    }

    private Mono<LockManager.Lease> lockTimeout(Key key, KeyId id, Duration waited) {
        return Mono.fromCallable(() -> {
                    Store.Holder holder = store.holder(id);
                    return new LockTimeoutException(
                            key,
                            store.lockFile(id.hex()),
                            waited,
                            holder == null ? -1 : holder.pid(),
                            holder == null ? -1 : holder.bytes(),
                            holder == null ? -1 : holder.total());
                })
                .subscribeOn(io)
                .flatMap(Mono::error);
    }

    /** Marks a key used, at most once a minute per key, for least-recently-used eviction. */
    void touch(KeyId id) {
        long now = System.nanoTime();
        Long last = lastTouch.get(id);
        if (last == null || now - last > TOUCH_INTERVAL_NANOS) {
            lastTouch.put(id, now);
            store.touch(id);
        }
    }
}
