package io.cachet.internal.fetch;

import io.cachet.StorageException;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The part file a download writes, and what is known about its bytes: the file and its channel,
 * the sidecar, how many bytes are verified on disk ({@link #position}) and the SHA-256 of exactly
 * those ({@link #digest}), and the validators and length they came with.
 *
 * <p>Lifecycle: {@link #open} adopts an abandoned part of the key or creates a fresh one; {@link
 * #resetToZero} starts over into a fresh file; {@link #stop} keeps a resumable part (with its
 * sidecar) after a failure or deletes it; {@link #handOver} gives the verified file to the commit.
 *
 * <p>Concurrency: touched by one download's steps, which run one after another; every method that
 * does I/O runs on the I/O threads.
 */
final class PartFile {
    /**
     * Downloads at least this large (or of unknown size) get a sidecar, and so can be resumed by a
     * later process and watched by waiting ones. Below it, re-downloading is cheaper than recording.
     */
    static final long SIDECAR_THRESHOLD = 256 * 1024;

    private final Download.Context ctx;
    private final Store store;
    private final KeyId id;
    private final String uriHash;
    private final String url;
    private final boolean pinned;

    private @Nullable String unique;
    private @Nullable AsynchronousFileChannel channel;
    private Store.Sidecar sidecar;
    private boolean sidecarWritten;
    private boolean handedOver;
    long position;
    MessageDigest digest = Digests.sha256();
    Validators validators = Validators.NONE;
    long declaredLength = -1;

    private PartFile(Download.Context ctx, KeyId id, String uriHash, String url, boolean pinned) {
        this.ctx = ctx;
        this.store = ctx.store();
        this.id = id;
        this.uriHash = uriHash;
        this.url = url;
        this.pinned = pinned;
        this.sidecar = Store.Sidecar.fresh(uriHash, url);
    }

    /** Adopts the best abandoned part of {@code id}, or creates a fresh one; removes the rest. */
    static PartFile open(
            Download.Context ctx, KeyId id, String uriHash, String url, boolean pinned, long expectedSize) {
        PartFile part = new PartFile(ctx, id, uriHash, url, pinned);
        try {
            ResumePlan.Choice choice = ResumePlan.choose(ctx.store().parts(id), uriHash, pinned, expectedSize);
            for (Store.Part stale : choice.delete()) {
                ctx.store().deletePart(id, stale.unique());
            }
            Store.Part orphan = choice.adopt();
            if (orphan != null) {
                part.adopt(orphan);
            }
            if (part.channel == null) {
                part.createFresh();
            }
            return part;
        } catch (IOException e) {
            throw StorageException.of(ctx.store().tmp(), "prepare a part file in", e);
        }
    }

    private void adopt(Store.Part orphan) throws IOException {
        Store.Sidecar old = Objects.requireNonNull(orphan.sidecar(), "only parts with a sidecar are adopted");
        String mine = store.newUnique();
        Store.Sidecar fresh = Store.Sidecar.fresh(uriHash, url).withResponse(old.validators(), old.length());
        store.writeSidecar(id, mine, fresh);
        if (!store.adopt(orphan, id, mine)) {
            store.deletePart(id, mine);
            return;
        }
        Path target = store.part(id, mine);
        AsynchronousFileChannel ch = store.disk().openPart(target, ctx.files());
        ResumePlan.Prefix keep;
        try {
            keep = ResumePlan.verifiedPrefix(target, old, pinned);
            ch.truncate(keep.length());
        } catch (IOException e) {
            close(ch);
            throw e;
        }
        unique = mine;
        channel = ch;
        sidecar = fresh;
        sidecarWritten = true;
        position = keep.length();
        digest = keep.digest();
        if (position > 0) {
            validators = old.validators();
            declaredLength = old.length();
        }
    }

    private void createFresh() throws IOException {
        String mine = store.newUnique();
        try {
            channel = store.createPart(id, mine, ctx.files());
        } catch (IOException e) {
            store.deletePart(id, mine);
            throw e;
        }
        unique = mine;
        sidecar = Store.Sidecar.fresh(uriHash, url); // Written once the response says it is worth resuming.
        sidecarWritten = false;
        position = 0;
        digest = Digests.sha256();
        validators = Validators.NONE;
        declaredLength = -1;
    }

    /** Drops the part and starts a fresh one, for a restart from byte 0. */
    void resetToZero() {
        close(channel);
        channel = null;
        if (unique != null) {
            store.deletePart(id, unique);
        }
        try {
            createFresh();
        } catch (IOException e) {
            throw StorageException.of(store.tmp(), "create a part file in", e);
        }
    }

    /** Before a retry: continue from the last verified byte, or start over if that is impossible. */
    void prepareRetry() {
        if (position > 0 && !ResumePlan.canResume(validators, pinned)) {
            resetToZero();
            return;
        }
        try {
            channel().truncate(position); // A write that failed half-way may have left bytes beyond it.
        } catch (IOException e) {
            throw StorageException.of(path(), "truncate", e);
        }
    }

    /** The response's validators and length; writes the sidecar if the download is worth resuming. */
    void recordResponse(Validators validators, long length) throws IOException {
        this.validators = validators;
        this.declaredLength = length;
        sidecar = sidecar.withResponse(validators, length);
        if (length < 0 || length >= SIDECAR_THRESHOLD || sidecarWritten) {
            store.writeSidecar(id, unique(), sidecar);
            sidecarWritten = true;
        }
    }

    /** Records in the sidecar that the first {@code at} bytes hash to {@code sha256} (unpinned only). */
    void checkpoint(long at, String sha256) {
        String mine = unique;
        if (mine == null || !sidecarWritten) {
            return;
        }
        sidecar = sidecar.withCheckpoint(at, sha256);
        try {
            store.writeSidecar(id, mine, sidecar);
        } catch (IOException e) {
            // A missing checkpoint only shortens a later resume.
        }
    }

    /**
     * After a failure or cancellation: keeps a resumable part for later, else removes it.
     *
     * @param at where the writer got to
     * @param digestAtPosition whether {@link #digest} holds exactly {@code at} bytes
     * @param transientFailure whether the failure may pass (a resume is then worth it)
     */
    void stop(long at, boolean digestAtPosition, boolean transientFailure) {
        if (handedOver || unique == null) {
            return;
        }
        AsynchronousFileChannel ch = channel;
        channel = null;
        close(ch);
        // A pinned part is re-hashed in full when adopted, so whatever reached the file counts, also
        // bytes written while their hash was still running when the download stopped.
        long kept = pinned ? Math.max(at, sizeOf(path())) : at;
        if (kept > 0 && sidecarWritten && ResumePlan.canResume(validators, pinned) && transientFailure) {
            if (!pinned && digestAtPosition) {
                // The digest holds exactly the bytes on disk: the whole part can be resumed. Otherwise the
                // sidecar keeps its last periodic checkpoint, and a resume starts from there.
                checkpoint(at, Digests.valueOf(digest).hex());
            }
        } else {
            store.deletePart(id, unique);
        }
    }

    /** The verified file, for the commit: from now on this object leaves it alone. */
    Download.Verified handOver(io.cachet.Sha256 sha256, boolean resumed) {
        handedOver = true;
        AsynchronousFileChannel ch = channel();
        channel = null;
        return new Download.Verified(id, unique(), path(), ch, sha256, position, resumed, sidecarWritten);
    }

    Path path() {
        return store.part(id, unique());
    }

    String unique() {
        return Objects.requireNonNull(unique, "no part file yet");
    }

    AsynchronousFileChannel channel() {
        return Objects.requireNonNull(channel, "no part file open");
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    static void close(@Nullable AsynchronousFileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing of value is lost: the part is deleted or resumed from what reached it.
            }
        }
    }
}
