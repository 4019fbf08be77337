package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.ArtifactLease;
import io.cachet.StorageException;
import io.cachet.internal.lock.LockManager;
import io.cachet.internal.maintenance.Maintenance;
import io.cachet.internal.store.Store;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Artifacts held in use (docs/architecture.md, "Eviction"): a lease is a shared lock on the blob's
 * lock file, which gc, rm and the automatic cap take exclusively, and only if free, before they
 * delete a blob. Shared, it excludes none of the other users of the blob: leases of the same bytes,
 * fetches naming them under another key.
 *
 * <pre>
 * fetch ─▶ shared lock on locks/blob-&lt;sha&gt;.lock ─▶ blob still there? ── yes ─▶ lease
 *                                                   └ no: evicted in between ─▶ let go, fetch again
 * </pre>
 *
 * <p>In a cache this user may not write (a read-only mount, another user's cache), a lock file that
 * cannot be opened cannot be locked: the lease then holds no lock, with one warning, since those
 * who could evict there are others.
 */
final class Leases {
    private static final Logger log = LoggerFactory.getLogger(Leases.class);
    private static final int ATTEMPTS = 3;
    private static final AtomicBoolean WARNED_UNLOCKED = new AtomicBoolean();

    private final Store store;
    private final LockManager locks;
    private final Scheduler io;

    Leases(Store store, LockManager locks, Scheduler io) {
        this.store = store;
        this.locks = locks;
        this.io = io;
    }

    /** Holds what {@code fetch} (subscribed again if the blob is evicted meanwhile) returns. */
    Mono<ArtifactLease> lease(Mono<Artifact> fetch) {
        return attempt(fetch, 1);
    }

    private Mono<ArtifactLease> attempt(Mono<Artifact> fetch, int attempt) {
        return fetch.flatMap(artifact -> lock(artifact).flatMap(lock -> {
            Held held = new Held(artifact, lock.orElse(null));
            AtomicBoolean handedOut = new AtomicBoolean();
            return Mono.fromCallable(() -> store.hasBlob(artifact.sha256(), artifact.size()))
                    .subscribeOn(io)
                    .onErrorMap(IOException.class, e -> StorageException.of(artifact.path(), "look at", e))
                    .flatMap(present -> {
                        if (present) {
                            return Mono.<ArtifactLease>just(held);
                        }
                        held.close();
                        return attempt < ATTEMPTS ? attempt(fetch, attempt + 1) : Mono.error(evictedAgain(artifact));
                    })
                    .doOnNext(h -> handedOut.set(true))
                    .doOnError(e -> held.close())
                    .doOnCancel(() -> {
                        if (!handedOut.get()) {
                            held.close();
                        }
                    });
        }));
    }

    private Mono<Optional<LockManager.Lease>> lock(Artifact artifact) {
        return locks.acquireShared(Maintenance.blobLockName(artifact.sha256()))
                .map(Optional::of)
                .onErrorResume(StorageException.class, e -> {
                    if (e.reason() != StorageException.Reason.READ_ONLY
                            && e.reason() != StorageException.Reason.PERMISSION) {
                        return Mono.error(e);
                    }
                    if (WARNED_UNLOCKED.compareAndSet(false, true)) {
                        log.warn(
                                "{} Leases in this cache hold no lock: this user cannot evict anything here, but others"
                                        + " who can write the cache may evict a leased artifact.",
                                e.getMessage());
                    }
                    return Mono.just(Optional.empty());
                });
    }

    private static StorageException evictedAgain(Artifact artifact) {
        return new StorageException(
                artifact.path(),
                "lease",
                StorageException.Reason.IO,
                "it was evicted " + ATTEMPTS + " times between its fetch and its lease: another process evicts this"
                        + " cache as fast as it is filled (a gc with a small max size and no minimum age?)",
                null);
    }

    /** A lease handed to a caller; closing it releases the shared lock, once. */
    private static final class Held implements ArtifactLease {
        private final Artifact artifact;
        private final LockManager.@Nullable Lease lock;

        Held(Artifact artifact, LockManager.@Nullable Lease lock) {
            this.artifact = artifact;
            this.lock = lock;
        }

        @Override
        public Artifact artifact() {
            return artifact;
        }

        @Override
        public void close() {
            if (lock != null) {
                lock.releaseNow();
            }
        }

        @Override
        public String toString() {
            return "ArtifactLease[" + artifact.key() + " " + artifact.sha256() + "]";
        }
    }
}
