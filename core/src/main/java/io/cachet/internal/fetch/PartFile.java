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
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The part file a download writes, and what is known about its bytes: the file and its channel,
 * the sidecar, how many bytes are verified on disk ({@link #position}) and the SHA-256 of exactly
 * those ({@link #digest}), ranges past a gap kept from an earlier download in parallel ranges
 * ({@link #kept}), and the validators and length they came with.
 *
 * <p>Lifecycle: {@link #open} adopts an abandoned part of the key or creates a fresh one; {@link
 * #resetToZero} starts over into a fresh file; {@link #stop} keeps a resumable part (with its
 * sidecar) after a failure or deletes it; {@link #handOver} gives the verified file to the commit.
 *
 * <p>Concurrency: touched by one download's steps, which run one after another; every method that
 * does I/O runs on the I/O threads. A download in parallel ranges also records its ranges and
 * checkpoints from the writer's threads: the sidecar's writes are synchronized.
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
    private boolean stopped; // Guarded by this: no more sidecar writes.
    // Guarded by this: bumped when the part's bytes are dropped (a fresh file, or a fall back to the
    // hashed prefix), so that ranges recorded for the bytes before are never written after it.
    private int generation;
    long position;
    MessageDigest digest = Digests.sha256();
    List<Store.Span> kept = List.of();
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
            ch.truncate(keep.end());
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
        kept = keep.beyond();
        if (hasBytes()) {
            validators = old.validators();
            declaredLength = old.length();
        }
        if (!kept.isEmpty()) {
            List<Store.Span> ranges = new java.util.ArrayList<>();
            if (position > 0) {
                ranges.add(new Store.Span(0, position));
            }
            ranges.addAll(kept);
            writeRanges(ranges); // Until the download records more: only these bytes count.
        }
    }

    /** Whether the part holds bytes of the artifact (a prefix, or kept ranges). */
    boolean hasBytes() {
        return position > 0 || !kept.isEmpty();
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
        kept = List.of();
        validators = Validators.NONE;
        declaredLength = -1;
    }

    /** Drops the part and starts a fresh one, for a restart from byte 0. */
    synchronized void resetToZero() {
        generation++;
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
        if (hasBytes() && !ResumePlan.canResume(validators, pinned)) {
            resetToZero();
            return;
        }
        try {
            // A write that failed half-way may have left bytes beyond it; kept ranges past a gap stay.
            channel()
                    .truncate(
                            kept.isEmpty()
                                    ? position
                                    : kept.get(kept.size() - 1).end());
        } catch (IOException e) {
            throw StorageException.of(path(), "truncate", e);
        }
    }

    /**
     * After parallel ranges gave up: only the hashed prefix ({@link #position}, {@link #digest}) is
     * kept, and the download goes on as one stream from there.
     */
    synchronized void fallBack() {
        generation++;
        kept = List.of();
        try {
            channel().truncate(position);
        } catch (IOException e) {
            throw StorageException.of(path(), "truncate", e);
        }
        writeRanges(List.of());
    }

    /** Which bytes the part holds: ranges recorded now are of this {@link #generation}'s bytes. */
    synchronized int generation() {
        return generation;
    }

    /**
     * Records in the sidecar the ranges on disk, for a download in parallel ranges; ignored if the
     * part's bytes were dropped since {@code of} (a record scheduled by ranges that have since
     * stopped would name bytes no longer there, or recreate a deleted part's sidecar).
     */
    synchronized void recordRanges(int of, List<Store.Span> onDisk) {
        if (of == generation) {
            writeRanges(onDisk);
        }
    }

    private void writeRanges(List<Store.Span> onDisk) {
        String mine = unique;
        if (mine == null || !sidecarWritten || stopped || handedOver) {
            return;
        }
        sidecar = sidecar.withRanges(onDisk);
        try {
            store.writeSidecar(id, mine, sidecar);
        } catch (IOException e) {
            // A missing record only means these ranges are downloaded again after a crash.
        }
    }

    /** The response's validators and length; writes the sidecar if the download is worth resuming. */
    synchronized void recordResponse(Validators validators, long length) throws IOException {
        this.validators = validators;
        this.declaredLength = length;
        sidecar = sidecar.withResponse(validators, length);
        if (length < 0 || length >= SIDECAR_THRESHOLD || sidecarWritten) {
            store.writeSidecar(id, unique(), sidecar);
            sidecarWritten = true;
        }
    }

    /** Records in the sidecar that the first {@code at} bytes hash to {@code sha256} (unpinned only). */
    synchronized void checkpoint(long at, String sha256) {
        String mine = unique;
        if (mine == null || !sidecarWritten || stopped || handedOver) {
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
    synchronized void stop(long at, boolean digestAtPosition, boolean transientFailure) {
        if (handedOver || unique == null || stopped) {
            return;
        }
        AsynchronousFileChannel ch = channel;
        channel = null;
        close(ch);
        // A pinned part is re-hashed in full when adopted, so whatever reached the file counts, also
        // bytes written while their hash was still running when the download stopped.
        long keep = pinned ? Math.max(at, sizeOf(path())) : at;
        if (keep > 0 && sidecarWritten && ResumePlan.canResume(validators, pinned) && transientFailure) {
            if (!pinned && digestAtPosition) {
                // The digest holds exactly the bytes on disk: the whole part can be resumed. Otherwise the
                // sidecar keeps its last periodic checkpoint, and a resume starts from there.
                checkpoint(at, Digests.valueOf(digest).hex());
            }
        } else {
            store.deletePart(id, unique);
        }
        stopped = true;
    }

    /**
     * After a failure or cancellation in parallel ranges: keeps the part with the ranges on disk
     * (and, unpinned, a checkpoint of the hashed prefix) for a later resume, else removes it.
     *
     * @param onDisk the ranges written
     * @param prefix the hashed prefix and its digest, if known
     * @param transientFailure whether the failure may pass
     */
    synchronized void stopRanges(
            List<Store.Span> onDisk,
            io.cachet.internal.write.StreamingWriter.@Nullable Checkpoint prefix,
            boolean transientFailure) {
        if (handedOver || unique == null || stopped) {
            return;
        }
        if (!pinned && prefix != null && prefix.length() > 0) {
            checkpoint(prefix.length(), io.cachet.Sha256.of(prefix.sha256()).hex());
        }
        writeRanges(onDisk);
        stopped = true;
        AsynchronousFileChannel ch = channel;
        channel = null;
        close(ch);
        long bytes = 0;
        for (Store.Span span : onDisk) {
            bytes += span.length();
        }
        if (bytes == 0 || !sidecarWritten || !ResumePlan.canResume(validators, pinned) || !transientFailure) {
            store.deletePart(id, unique);
        }
    }

    /** The verified file, for the commit: from now on this object leaves it alone. */
    synchronized Download.Verified handOver(io.cachet.Sha256 sha256, boolean resumed) {
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
