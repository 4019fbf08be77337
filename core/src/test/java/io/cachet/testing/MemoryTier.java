package io.cachet.testing;

import io.cachet.Sha256;
import io.cachet.spi.BlobTier;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * An in-memory {@link BlobTier} for fast engine tests: blobs and key records in maps, objects
 * visible only whole, first-writer-wins records (or last-writer-wins, as s3proxy, with {@link
 * #ignoreConditionalWrites}), ranges served exactly, in 64 KiB chunks, and faults: {@link #down},
 * {@link #corrupt}, {@link #truncate}. The real one, on S3, is tested in {@code cachet-s3}.
 */
public final class MemoryTier implements BlobTier {
    private static final int CHUNK = 64 * 1024;
    private final Map<Sha256, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, KeyRecord> records = new ConcurrentHashMap<>();
    private final List<OriginRequest> asked = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicInteger uploads = new AtomicInteger();
    private volatile boolean down;
    private volatile boolean lastWriterWins;
    private volatile Scheduler answerOn = Schedulers.immediate();

    @Override
    public URI locate(Sha256 sha256) {
        return URI.create("mem://tier/sha256/" + sha256.hex());
    }

    @Override
    public Mono<Long> find(Sha256 sha256) {
        return Mono.defer(() -> {
                    failIfDown();
                    byte[] blob = blobs.get(sha256);
                    return blob == null ? Mono.empty() : Mono.just((long) blob.length);
                })
                .publishOn(answerOn);
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.defer(() -> {
                    failIfDown();
                    asked.add(request);
                    String path = request.uri().getPath();
                    byte[] blob = blobs.get(Sha256.parse(path.substring(path.lastIndexOf('/') + 1)));
                    if (blob == null) {
                        return Mono.error(new OriginFailure("no such object in the test tier", 404, false, null, null));
                    }
                    int from = (int) request.offset();
                    int to = request.isBounded() ? (int) Math.min(request.end(), blob.length) : blob.length;
                    Flux<ByteBuffer> body = Flux.range(0, (to - from + CHUNK - 1) / CHUNK)
                            .map(i -> ByteBuffer.wrap(
                                    Arrays.copyOfRange(blob, from + i * CHUNK, Math.min(to, from + (i + 1) * CHUNK))))
                            .doOnNext(chunk -> bytesSent.addAndGet(chunk.remaining()));
                    return Mono.just(
                            from == 0 && !request.isBounded()
                                    ? OriginResponse.full(blob.length, Validators.NONE, body)
                                            .withAcceptsRanges(true)
                                    : OriginResponse.partial(from, blob.length, Validators.NONE, body));
                })
                .publishOn(answerOn);
    }

    @Override
    public Mono<Void> upload(Sha256 sha256, Path file, long size) {
        return Mono.<Void>fromRunnable(() -> {
                    failIfDown();
                    uploads.incrementAndGet();
                    try {
                        blobs.putIfAbsent(sha256, Files.readAllBytes(file));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .subscribeOn(Schedulers.boundedElastic())
                .publishOn(answerOn);
    }

    @Override
    public Mono<KeyRecord> record(String keyId) {
        return Mono.defer(() -> {
                    failIfDown();
                    return Mono.justOrEmpty(records.get(keyId));
                })
                .publishOn(answerOn);
    }

    @Override
    public Mono<KeyRecord> recordIfAbsent(String keyId, KeyRecord record) {
        return Mono.fromCallable(() -> {
                    failIfDown();
                    if (lastWriterWins) {
                        records.put(keyId, record);
                        return record;
                    }
                    KeyRecord earlier = records.putIfAbsent(keyId, record);
                    return earlier == null ? record : earlier;
                })
                .publishOn(answerOn);
    }

    @Override
    public void close() {}

    // ---- set-up, faults and observations ----

    /** Signals every answer on {@code scheduler}, as the AWS SDK does on its event loops. */
    public MemoryTier answerOn(Scheduler scheduler) {
        this.answerOn = scheduler;
        return this;
    }

    /** Puts {@code bytes} in the tier under {@code sha256}, whatever they hash to. */
    public void put(Sha256 sha256, byte[] bytes) {
        blobs.put(sha256, bytes.clone());
    }

    /** Records that {@code keyId} names {@code record}. */
    public void putRecord(String keyId, KeyRecord record) {
        records.put(keyId, record);
    }

    /** Flips the byte at {@code offset} of the stored copy. */
    public void corrupt(Sha256 sha256, int offset) {
        blobs.computeIfPresent(sha256, (k, b) -> {
            byte[] c = b.clone();
            c[offset] = (byte) ~c[offset];
            return c;
        });
    }

    /** Cuts the stored copy to {@code size} bytes. */
    public void truncate(Sha256 sha256, int size) {
        blobs.computeIfPresent(sha256, (k, b) -> Arrays.copyOf(b, size));
    }

    /** Every call fails, as a tier that cannot be reached, until told otherwise. */
    public void down(boolean down) {
        this.down = down;
    }

    /** Key records are overwritten by the last writer, as on a server that ignores If-None-Match. */
    public void ignoreConditionalWrites() {
        lastWriterWins = true;
    }

    public boolean holds(Sha256 sha256) {
        return blobs.containsKey(sha256);
    }

    /** The stored copy, or null. */
    public byte[] bytes(Sha256 sha256) {
        byte[] b = blobs.get(sha256);
        return b == null ? null : b.clone();
    }

    public Map<String, KeyRecord> records() {
        return Map.copyOf(records);
    }

    /** Reads opened so far. */
    public int reads() {
        return asked.size();
    }

    /** Bytes of blobs handed to readers so far. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Every read asked for so far, in order. */
    public List<OriginRequest> asked() {
        return List.copyOf(asked);
    }

    /** Uploads asked for so far, whatever they did. */
    public int uploads() {
        return uploads.get();
    }

    private void failIfDown() {
        if (down) {
            throw new OriginFailure("the test tier is down", 503, true, null, null);
        }
    }
}
