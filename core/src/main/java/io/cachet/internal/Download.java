package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.store.Disk;
import io.cachet.internal.store.KeyId;
import io.cachet.internal.store.Layout;
import io.cachet.internal.store.PartFile;
import io.cachet.internal.store.ProcessIdentity;
import io.cachet.internal.store.RefFile;
import io.cachet.internal.store.Sidecar;
import io.cachet.internal.store.Store;
import io.cachet.internal.write.StreamingWriter;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One download, run by the holder of the key's lock after the store came up empty: part file,
 * origin, streaming write, verification, commit. Attempts are retried and resumed here.
 *
 * <p>Resume (DESIGN.md decision 6). A part file is continued only when the bytes it holds are
 * known to be the artifact's: by this download's own digest state after an interrupted attempt;
 * or, for a part left by an earlier process that is <em>provably gone</em> (or by an earlier
 * flight of this one), by re-hashing it: all of it when the request pins a digest (the final
 * check catches a bad prefix), else only up to the sidecar's checkpoint, whose digest must match.
 * The origin is then asked for the rest with {@code If-Range}; a full answer restarts from zero
 * into a fresh file, a partial answer from another offset is refused. A digest or size mismatch
 * after a resume restarts from zero once before failing.
 *
 * <p>Concurrency: the fields below are touched only by this download's steps, which run one after
 * another (each starts when the previous one signalled, on whatever thread that was); the
 * writer's progress callback runs between writes of the same attempt.
 */
final class Download {
    static final long CHECKPOINT_BYTES = 16L * 1024 * 1024;
    /**
     * Downloads at least this large (or of unknown size) get a sidecar, and so can be resumed by a
     * later process and watched by waiting ones. Below it, re-downloading is cheaper than recording.
     */
    static final long SIDECAR_THRESHOLD = 256 * 1024;

    static final long PROGRESS_INTERVAL_MILLIS = 100;
    static final int MAX_BUFFERS = 4;
    /** Flush the part's data to the device every this many bytes, so the final fsync is short. */
    static final long SYNC_EVERY = 64L * 1024 * 1024;

    private final Engine engine;
    private final FetchRequest request;
    private final Origin origin;
    private final KeyId id;
    private final Key key;
    private final String url;
    private final String uriHash;
    private final Store store;
    private final Layout layout;
    private final Disk disk;

    private @Nullable String unique;
    private @Nullable AsynchronousFileChannel channel;
    private @Nullable Sidecar sidecar;
    private boolean sidecarWritten; // Whether the sidecar is on disk (large downloads only).
    private @Nullable StreamingWriter writer;
    private MessageDigest digest = newDigest();
    private long position;
    private Validators validators = Validators.NONE;
    private long declaredLength = -1;
    private long limit = Long.MAX_VALUE;
    private boolean resumed;
    private boolean restarted;
    private boolean committed;
    private int attempts;
    private long lastProgressMillis = Long.MIN_VALUE;

    Download(Engine engine, FetchRequest request, Origin origin, KeyId id) {
        this.engine = engine;
        this.request = request;
        this.origin = origin;
        this.id = id;
        this.key = request.key();
        this.url = Engine.redact(request.uri());
        this.uriHash = Sidecar.hashOf(request.uri());
        this.store = engine.store;
        this.layout = store.layout();
        this.disk = store.disk();
    }

    Mono<Artifact> run() {
        return Mono.usingWhen(
                Mono.fromCallable(this::prepare).subscribeOn(engine.io),
                self -> attempt().flatMap(this::commit),
                self -> Mono.empty(),
                (self, error) -> Mono.fromRunnable(() -> stop(error)).subscribeOn(engine.io),
                self -> Mono.fromRunnable(() -> stop(null)));
    }

    // ---- part files ------------------------------------------------------------------------------

    /** Adopts the best orphaned part of this key, or creates a fresh one; removes the rest. */
    private Download prepare() {
        try {
            PartFile best = null;
            for (PartFile p : store.parts(id)) {
                Sidecar s = p.sidecar();
                if (s != null && !s.owner().isCurrent() && s.owner().mayBeAlive()) {
                    continue; // A live writer's (locks that lie, or another host): never touch it.
                }
                if (s == null && ProcessIdentity.mayBeRunning(Store.ownerPid(p.unique()))) {
                    continue; // No sidecar yet (or a small download's): its writer, named in it, may be live.
                }
                if (s != null
                        && p.size() > 0
                        && s.uriHash().equals(uriHash)
                        && canResume(s.validators())
                        && fits(p.size(), s.length())) {
                    if (best == null || p.size() > best.size()) {
                        if (best != null) {
                            store.deletePart(id, best.unique());
                        }
                        best = p;
                        continue;
                    }
                }
                store.deletePart(id, p.unique());
            }
            if (best != null) {
                adopt(best);
            }
            if (channel == null) {
                createFresh();
            }
            return this;
        } catch (IOException e) {
            throw StorageException.of(layout.tmp(), "prepare a part file in", e);
        }
    }

    private boolean fits(long partSize, long recordedLength) {
        long expected = request.size();
        if (recordedLength >= 0 && partSize > recordedLength) {
            return false;
        }
        return expected < 0 || ((recordedLength < 0 || recordedLength == expected) && partSize <= expected);
    }

    private boolean canResume(Validators v) {
        return !v.isEmpty() || request.isPinned();
    }

    private void adopt(PartFile orphan) throws IOException {
        Sidecar old = orphan.sidecar();
        if (old == null) {
            return;
        }
        String mine = store.newUnique();
        Sidecar fresh = new Sidecar(uriHash, url, old.validators(), old.length(), ProcessIdentity.current(), 0, null);
        store.writeSidecar(id, mine, fresh);
        sidecarWritten = true;
        Path target = layout.part(id, mine);
        try {
            disk.move(orphan.part(), target);
        } catch (IOException e) {
            store.deletePart(id, mine);
            store.deletePart(id, orphan.unique());
            return;
        }
        store.deletePart(id, orphan.unique());
        AsynchronousFileChannel ch = disk.openPart(target, engine.ioThreads.executor);
        long keep;
        try {
            keep = verifiedPrefix(target, old);
            ch.truncate(keep);
        } catch (IOException e) {
            close(ch);
            throw e;
        }
        unique = mine;
        channel = ch;
        sidecar = fresh;
        position = keep;
        if (keep > 0) {
            validators = old.validators();
            declaredLength = old.length();
        }
    }

    /** Re-hashes what may be kept of an adopted part and leaves {@link #digest} at that point. */
    private long verifiedPrefix(Path part, Sidecar old) throws IOException {
        long size = Files.size(part);
        MessageDigest d = newDigest();
        if (request.isPinned()) {
            hash(part, size, d);
            digest = d;
            return size;
        }
        long checkpoint = old.checkpointOffset();
        if (old.checkpointSha256() == null || checkpoint <= 0 || checkpoint > size) {
            digest = newDigest();
            return 0;
        }
        hash(part, checkpoint, d);
        if (HexFormat.of().formatHex(clone(d).digest()).equals(old.checkpointSha256())) {
            digest = d;
            return checkpoint;
        }
        digest = newDigest();
        return 0;
    }

    private static void hash(Path file, long length, MessageDigest into) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long done = 0;
            while (done < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
                int n = in.read(buffer, done);
                if (n < 0) {
                    throw new IOException(file + " is shorter than " + length + " bytes");
                }
                buffer.flip();
                into.update(buffer);
                done += n;
            }
        }
    }

    private void createFresh() throws IOException {
        String mine = store.newUnique();
        Sidecar fresh = new Sidecar(uriHash, url, Validators.NONE, -1, ProcessIdentity.current(), 0, null);
        try {
            channel = disk.createPart(layout.part(id, mine), store.permissions().part(), engine.ioThreads.executor);
        } catch (IOException e) {
            store.deletePart(id, mine);
            throw e;
        }
        unique = mine;
        sidecar = fresh; // Written once the response says the download is worth resuming (see accept).
        sidecarWritten = false;
        position = 0;
        digest = newDigest();
        validators = Validators.NONE;
        declaredLength = -1;
        writer = null;
    }

    /** Drops the part and starts a fresh one, for a restart from byte 0. */
    private void resetToZero() {
        close(channel);
        channel = null;
        if (unique != null) {
            store.deletePart(id, unique);
        }
        resumed = false;
        try {
            createFresh();
        } catch (IOException e) {
            throw StorageException.of(layout.tmp(), "create a part file in", e);
        }
    }

    /** Before a retry: continue from the last verified byte, or start over if that is impossible. */
    private void prepareRetry() {
        if (position > 0 && !canResume(validators)) {
            resetToZero();
            return;
        }
        try {
            channel().truncate(position); // A write that failed half-way may have left bytes beyond it.
        } catch (IOException e) {
            throw StorageException.of(partPath(), "truncate", e);
        }
    }

    // ---- attempts --------------------------------------------------------------------------------

    private Mono<Sha256> attempt() {
        return Mono.defer(() -> {
                    attempts++;
                    OriginRequest ask = new OriginRequest(
                            request.uri(),
                            position,
                            OriginRequest.TO_THE_END,
                            position > 0 ? validators : Validators.NONE,
                            request.headers(),
                            request.size());
                    return origin.open(ask)
                            .timeout(engine.settings.idleTimeout(), engine.timer)
                            .doOnDiscard(OriginResponse.class, late -> discard(late.body()))
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException("the origin answered nothing")))
                            .flatMap(this::receive)
                            .then(Mono.fromCallable(this::verify));
                })
                .onErrorResume(this::afterFailure);
    }

    private Mono<Long> receive(OriginResponse response) {
        if (response.status() == OriginResponse.Status.PARTIAL && response.offset() != position) {
            discard(response.body());
            return Mono.error(new Restart(
                    "the origin answered a request for bytes from " + position + " with bytes from "
                            + response.offset(),
                    null));
        }
        Mono<Void> ready = Mono.empty();
        if (response.status() == OriginResponse.Status.FULL && position > 0) {
            ready = Mono.<Void>fromRunnable(this::resetToZero).subscribeOn(engine.io); // A 200: restart, never splice.
        }
        AtomicBoolean bodyTaken = new AtomicBoolean();
        return ready.then(Mono.fromCallable(() -> accept(response)).subscribeOn(engine.io))
                .doOnError(e -> discard(response.body()))
                .flatMap(start -> {
                    bodyTaken.set(true);
                    return write(response, start);
                })
                .doOnCancel(() -> {
                    if (!bodyTaken.get()) {
                        discard(response.body()); // Cancelled before the writer took it: let the transport go.
                    }
                });
    }

    /** Checks the declared length and free space, records the validators; true if resuming. */
    private boolean accept(OriginResponse response) throws IOException {
        long length = response.length();
        long expected = request.size();
        if (expected >= 0 && length >= 0 && length != expected) {
            throw integrity(
                    length > expected ? IntegrityException.Kind.TOO_LARGE : IntegrityException.Kind.SIZE_MISMATCH,
                    null,
                    length);
        }
        if (expected < 0 && length > engine.settings.maxArtifactSize()) {
            throw integrity(IntegrityException.Kind.TOO_LARGE, null, length);
        }
        limit = expected >= 0 ? expected : length >= 0 ? length : engine.settings.maxArtifactSize();
        if (limit != Long.MAX_VALUE) {
            long needed = limit - position;
            long free = store.usableSpace();
            if (needed > free) {
                throw new StorageException(
                        layout.tmp(),
                        "store " + needed + " more bytes in",
                        StorageException.Reason.NO_SPACE,
                        "only " + free + " bytes are free",
                        null);
            }
        }
        validators = response.validators();
        declaredLength = length;
        sidecar = sidecar().withResponse(validators, length);
        if (length < 0 || length >= SIDECAR_THRESHOLD || sidecarWritten) {
            store.writeSidecar(id, unique(), sidecar);
            sidecarWritten = true;
        }
        return response.status() == OriginResponse.Status.PARTIAL && position > 0;
    }

    private Mono<Long> write(OriginResponse response, boolean resuming) {
        if (resuming) {
            resumed = true;
            engine.events.emit(new CacheEvent.Resumed(key, position));
        }
        engine.events.emit(new CacheEvent.Started(key, url, position, total()));
        Settings s = engine.settings;
        StreamingWriter.Settings how = new StreamingWriter.Settings(
                engine.buffers,
                bufferSize(),
                MAX_BUFFERS,
                engine.ioThreads.executor,
                engine.timer,
                s.idleTimeout(),
                s.minBytesPerSecond(),
                s.throughputWindow(),
                SYNC_EVERY,
                request.isPinned() ? 0 : CHECKPOINT_BYTES);
        StreamingWriter w =
                new StreamingWriter(channel(), position, digest, limit, how, new StreamingWriter.Listener() {
                    @Override
                    public void written(long at) {
                        progress(at);
                    }

                    @Override
                    public void checkpoint(long at, byte[] sha256OfPrefix) {
                        recordCheckpoint(at, HexFormat.of().formatHex(sha256OfPrefix));
                    }
                });
        writer = w;
        return w.write(response.body()).doOnNext(end -> position = end).doOnError(e -> position = w.position());
    }

    private long total() {
        return limit == Long.MAX_VALUE || (request.size() < 0 && declaredLength < 0) ? -1 : limit;
    }

    private int bufferSize() {
        int configured = engine.settings.writeBufferSize();
        if (limit == Long.MAX_VALUE || limit == engine.settings.maxArtifactSize() && declaredLength < 0) {
            return configured;
        }
        long remaining = Math.max(limit - position, 1);
        return (int) Math.min(configured, Math.max(4096, Long.highestOneBit(remaining - 1) << 1));
    }

    /** After each buffer reaches the file (on the I/O threads): progress events and checkpoints. */
    /** Both lanes of the writer are through {@code at} (from the I/O threads, one call at a time). */
    private void progress(long at) {
        long now = engine.nowMillis();
        // The first write always reports: now - Long.MIN_VALUE would overflow to a negative number.
        if (lastProgressMillis == Long.MIN_VALUE
                || now - lastProgressMillis >= PROGRESS_INTERVAL_MILLIS
                || at == limit) {
            lastProgressMillis = now;
            engine.events.emit(new CacheEvent.Progress(key, at, total(), false));
        }
    }

    /** Records in the sidecar that the first {@code at} bytes hash to {@code sha256} (unpinned only). */
    private void recordCheckpoint(long at, String sha256) {
        Sidecar s = sidecar;
        String mine = unique;
        if (s == null || mine == null || !sidecarWritten) {
            return;
        }
        Sidecar updated = s.withCheckpoint(at, sha256);
        sidecar = updated;
        try {
            store.writeSidecar(id, mine, updated);
        } catch (IOException e) {
            // A missing checkpoint only shortens a later resume.
        }
    }

    private Sha256 verify() {
        long size = position;
        Sha256 actual = Sha256.of(clone(digest).digest());
        if (declaredLength >= 0 && size < declaredLength) {
            throw OriginFailure.transientFailure("the body ended after " + size + " of " + declaredLength + " bytes");
        }
        long expected = request.size();
        if (expected >= 0 && size != expected) {
            throw mismatch(IntegrityException.Kind.SIZE_MISMATCH, actual, size);
        }
        Sha256 wanted = request.sha256();
        if (wanted != null && !wanted.equals(actual)) {
            throw mismatch(IntegrityException.Kind.DIGEST_MISMATCH, actual, size);
        }
        return actual;
    }

    private RuntimeException mismatch(IntegrityException.Kind kind, Sha256 actual, long size) {
        IntegrityException failure = integrity(kind, actual, size);
        return resumed && !restarted ? new Restart("a resumed download did not verify", failure) : failure;
    }

    private Mono<Sha256> afterFailure(Throwable error) {
        if (error instanceof Restart restart) {
            if (restarted) {
                return Mono.error(restart.failure != null ? restart.failure : classify(error));
            }
            restarted = true;
            return Mono.<Void>fromRunnable(this::resetToZero)
                    .subscribeOn(engine.io)
                    .then(attempt());
        }
        if (error instanceof OriginFailure unusable && unusable.isUnusableRange() && position > 0 && !restarted) {
            restarted = true; // An answer to the resume that cannot be placed: start over, never splice.
            return Mono.<Void>fromRunnable(this::resetToZero)
                    .subscribeOn(engine.io)
                    .then(attempt());
        }
        CachetException failure = classify(error);
        if (failure instanceof OriginException originFailure) {
            if (originFailure.status() == 416 && position > 0 && !restarted) {
                restarted = true;
                return Mono.<Void>fromRunnable(this::resetToZero)
                        .subscribeOn(engine.io)
                        .then(attempt());
            }
            Duration delay = engine.retries.delayAfter(attempts, originFailure);
            if (delay != null) {
                return pause(delay, new CacheEvent.Retrying(key, attempts, delay, originFailure))
                        .then(Mono.<Void>fromRunnable(this::prepareRetry).subscribeOn(engine.io))
                        .then(attempt());
            }
            Duration asked = originFailure.retryAfter().orElse(null);
            Duration patience = engine.retries.policy().maxRetryAfter();
            if (originFailure.isTransient() && asked != null && asked.compareTo(patience) > 0) {
                return Mono.error(new OriginException(
                        url,
                        originFailure.status(),
                        attempts,
                        true,
                        asked,
                        originFailure.reason() + "; the origin asked to be retried after " + asked.toSeconds()
                                + " s, longer than the " + patience.toSeconds() + " s this cache waits",
                        originFailure.getCause()));
            }
        }
        return Mono.error(failure);
    }

    /**
     * Waits {@code delay} on the timer, announcing the wait only once the delay is scheduled, so that
     * whoever reacts to the event (a virtual clock in a test) finds it there.
     */
    private Mono<Void> pause(Duration delay, CacheEvent announcement) {
        return Mono.create(sink -> {
            sink.onCancel(engine.timer.schedule(sink::success, delay.toNanos(), TimeUnit.NANOSECONDS));
            engine.events.emit(announcement);
        });
    }

    private CachetException classify(Throwable t) {
        if (t instanceof CachetException c) {
            return c;
        }
        if (t instanceof StreamingWriter.WriteFailed w) {
            return StorageException.of(partPath(), "write", w.io());
        }
        if (t instanceof StreamingWriter.Overflow o) {
            return integrity(IntegrityException.Kind.TOO_LARGE, null, o.reached());
        }
        if (t instanceof OriginFailure f) {
            return new OriginException(url, f.status(), attempts, f.isTransient(), f.retryAfter(), describe(f), f);
        }
        if (t instanceof StreamingWriter.Stalled s) {
            return new OriginException(url, 0, attempts, true, null, describe(s), s);
        }
        if (t instanceof TimeoutException) {
            return new OriginException(
                    url,
                    0,
                    attempts,
                    true,
                    null,
                    "no response within " + engine.settings.idleTimeout().toMillis() + " ms",
                    t);
        }
        if (t instanceof IOException e) {
            return new OriginException(url, 0, attempts, true, null, describe(e), e);
        }
        if (t instanceof Restart r) {
            return new OriginException(url, 0, attempts, false, null, describe(r), r);
        }
        return new OriginException(url, 0, attempts, false, null, "unexpected failure: " + t, t);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private IntegrityException integrity(IntegrityException.Kind kind, @Nullable Sha256 actual, long actualSize) {
        long expected = request.size() >= 0 ? request.size() : declaredLength >= 0 ? declaredLength : limit;
        return new IntegrityException(kind, key, url, request.sha256(), actual, expected, actualSize);
    }

    // ---- commit and cleanup ------------------------------------------------------------------

    private Mono<Artifact> commit(Sha256 sha256) {
        long size = position;
        AsynchronousFileChannel ch = channel();
        return engine.commit
                .publish(ch, partPath(), sha256)
                .flatMap(blob ->
                        Mono.fromCallable(() -> record(sha256, size, blob)).subscribeOn(engine.io))
                .flatMap(blob -> engine.directories.sync(layout.refs()).thenReturn(blob))
                .map(blob -> {
                    Artifact artifact = new Artifact(
                            key, blob, sha256, size, resumed ? Artifact.Source.RESUMED : Artifact.Source.DOWNLOADED);
                    engine.committed(id, artifact);
                    engine.events.emit(new CacheEvent.Committed(key, artifact));
                    return artifact;
                });
    }

    private Path record(Sha256 sha256, long size, Path blob) {
        committed = true;
        channel = null;
        try {
            store.writeRef(id, new RefFile(key, url, sha256, size, request.isPinned()));
        } catch (IOException e) {
            throw StorageException.of(layout.ref(id), "write the key record", e);
        }
        if (sidecarWritten) {
            store.deleteSidecar(id, unique()); // The part is now the blob; only its sidecar is left.
        }
        return blob;
    }

    /** After a failure or cancellation: keep a resumable part for later, else remove it. */
    private void stop(@Nullable Throwable error) {
        if (committed || unique == null) {
            return;
        }
        AsynchronousFileChannel ch = channel;
        channel = null;
        StreamingWriter w = writer;
        long at = w != null ? w.position() : position;
        close(ch);
        boolean transientFailure = error == null
                || (error instanceof CachetException c && c.isTransient() && !(c instanceof StorageException));
        // A pinned part is re-hashed in full when adopted, so whatever reached the file counts, also
        // bytes written while their hash was still running when the download stopped.
        long kept = request.isPinned() ? Math.max(at, sizeOf(partPath())) : at;
        if (kept > 0 && sidecarWritten && canResume(validators) && transientFailure) {
            if (!request.isPinned() && (w == null || w.digestAtPosition())) {
                // The digest holds exactly the bytes on disk: the whole part can be resumed. Otherwise the
                // sidecar keeps its last periodic checkpoint, and a resume starts from there.
                recordCheckpoint(at, HexFormat.of().formatHex(clone(digest).digest()));
            }
        } else {
            store.deletePart(id, unique);
        }
    }

    private Path partPath() {
        return layout.part(id, unique());
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    // The part file's state exists from its creation on; these are only called from then.

    private String unique() {
        return Objects.requireNonNull(unique, "no part file yet");
    }

    private AsynchronousFileChannel channel() {
        return Objects.requireNonNull(channel, "no part file open");
    }

    private Sidecar sidecar() {
        return Objects.requireNonNull(sidecar, "no part file yet");
    }

    private static void close(@Nullable AsynchronousFileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing of value is lost: the part is deleted or resumed from what reached it.
            }
        }
    }

    private static void discard(Flux<ByteBuffer> body) {
        body.subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.cancel();
            }
        });
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static MessageDigest clone(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned on every JDK", e);
        }
    }

    /** Start over from byte 0 (once): a resume that was refused or did not verify. */
    private static final class Restart extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient @Nullable CachetException failure;

        Restart(String reason, @Nullable CachetException failure) {
            super(reason, null, false, false);
            this.failure = failure;
        }
    }
}
