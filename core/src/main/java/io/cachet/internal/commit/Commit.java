package io.cachet.internal.commit;

import io.cachet.StorageException;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The commit, in one step: a verified part becomes a blob and its key names it, durably, in this
 * order (see docs/reliability.md, "The durable commit"):
 *
 * <ol>
 *   <li>{@code force(true)}: the bytes reach the device before any name points at them. If it
 *       fails, the part is discarded, never re-synced and published (fsyncgate); then close.
 *   <li>Write the key record aside, in {@code tmp/}: the only step that needs space, so a full disk
 *       fails the commit before anything is published.
 *   <li>Set the blob's read-only mode and rename the part into {@code blobs/sha256/ab/} (a blob
 *       already there has the same bytes, so replacing it is harmless), creating that directory
 *       first if it is new.
 *   <li>Rename the record into {@code refs/}.
 *   <li>{@code fsync} both directories, and {@code blobs/sha256/} while the blob's directory is new,
 *       batched with concurrent commits by {@link DirectorySync}: one round of syncs, never one
 *       before the rename and another after it.
 *   <li>Delete the part's sidecar.
 * </ol>
 *
 * <p>A crash before step 3 leaves a part and a record in {@code tmp/} that later collection
 * removes; after step 3, an unnamed blob that the key's next fetch (pinned) or {@code gc} (old
 * enough) deals with. The caller holds the key's lock throughout and has checked size and digest.
 */
public final class Commit {
    private final Store store;
    private final DirectorySync directories;
    private final Scheduler io;

    public Commit(Store store, Scheduler io) {
        this.store = store;
        this.directories = new DirectorySync(store.disk(), io);
        this.io = io;
    }

    /**
     * Publishes {@code part} as its blob and points its key at it.
     *
     * @return the blob's path, once blob and record are durable; a {@link StorageException} saying
     *     what was committed if a step failed
     */
    public Mono<Path> commit(Download.Verified part, Store.Record record) {
        AtomicReference<Stage> reached = new AtomicReference<>(Stage.NOTHING);
        return Mono.fromCallable(() -> publish(part, record, reached))
                .subscribeOn(io)
                .flatMap(blobDirectories -> {
                    List<Mono<Void>> syncs = new ArrayList<>(3);
                    blobDirectories.forEach(directory -> syncs.add(directories.sync(directory)));
                    syncs.add(directories.sync(store.refs()));
                    return Mono.when(syncs).doOnSuccess(done -> {
                        if (blobDirectories.size() > 1) {
                            store.fanOutDurable(blobDirectories.get(0));
                        }
                    });
                })
                .then(Mono.fromCallable(() -> {
                            if (part.hasSidecar()) {
                                store.deleteSidecar(part.id(), part.unique());
                            }
                            return store.blobPath(part.sha256());
                        })
                        .subscribeOn(io))
                .onErrorMap(e -> failure(part, stage(reached), e));
    }

    private static Stage stage(AtomicReference<Stage> reached) {
        Stage stage = reached.get();
        return stage == null ? Stage.NOTHING : stage;
    }

    private enum Stage {
        NOTHING,
        BLOB,
        BLOB_AND_RECORD
    }

    private List<Path> publish(Download.Verified part, Store.Record record, AtomicReference<Stage> reached) {
        String step = "sync";
        Path subject = part.path();
        Store.StagedRecord staged = null;
        try {
            store.disk().force(part.channel());
            step = "close";
            part.channel().close();
            step = "write the key record for";
            staged = store.stageRecord(part.id(), record);
            step = "move";
            List<Path> directories = store.publishBlob(part.path(), part.sha256());
            reached.set(Stage.BLOB);
            subject = store.recordPath(part.id());
            step = "write the key record";
            store.publishRecord(staged);
            reached.set(Stage.BLOB_AND_RECORD);
            return directories;
        } catch (IOException e) {
            if (staged != null && reached.get() != Stage.BLOB_AND_RECORD) {
                store.discard(staged);
            }
            if (reached.get() == Stage.NOTHING) {
                part.discard(store);
            } else if (part.hasSidecar()) {
                store.deleteSidecar(part.id(), part.unique()); // The part is the blob now.
            }
            throw StorageException.of(subject, step, e);
        }
    }

    /** Says what did get committed when a step after the blob's rename failed. */
    private Throwable failure(Download.Verified part, Stage reached, Throwable e) {
        if (reached == Stage.NOTHING || !(e instanceof StorageException s)) {
            return e;
        }
        String committed = reached == Stage.BLOB
                ? "the verified blob " + store.blobPath(part.sha256()) + " was committed, but its key record was not;"
                        + " a fetch pinned to sha256 " + part.sha256() + " will find it"
                : "the blob and its key record were written but may not survive a power failure";
        return s.withCommitted(committed);
    }
}
