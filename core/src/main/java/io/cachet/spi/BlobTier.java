package io.cachet.spi;

import io.cachet.Sha256;
import java.net.URI;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/**
 * A fleet's shared store of verified blobs, addressed by SHA-256 (the S3 implementation lives in
 * {@code cachet-s3}). A cache given a tier looks there after its own store and before the origin,
 * and uploads what it downloaded, so each artifact crosses the origin's link once per fleet.
 *
 * <p>The tier is trusted for nothing: bytes read from it are verified like an origin's (streaming
 * SHA-256 against the digest they are filed under), and a missing, truncated or corrupt object
 * is a failed source, after which the engine uses the origin. An implementation must keep these
 * promises:
 *
 * <ul>
 *   <li>An object becomes visible only whole (one PUT, or a completed multipart upload), under the
 *       digest of its bytes; two hosts uploading one digest at once both succeed and leave one
 *       object.
 *   <li>{@link #open} reads like {@link Origin#open}: ranged and resumable.
 *   <li>Key records are first-writer-wins where the store can enforce it (see {@link
 *       #recordIfAbsent}): once a key names a digest, every host gets that digest.
 *   <li>Every method is lazy and non-blocking, and fails rather than hangs when the tier is down.
 * </ul>
 */
public interface BlobTier extends AutoCloseable {

    /** Where the tier keeps {@code sha256}, for {@link #open} and for messages. */
    URI locate(Sha256 sha256);

    /** The size of the tier's copy of {@code sha256}; empty if the tier does not hold it. */
    Mono<Long> find(Sha256 sha256);

    /** Reads a blob as {@link Origin#open} reads an artifact; {@code request.uri()} came from {@link #locate}. */
    Mono<OriginResponse> open(OriginRequest request);

    /**
     * Stores the verified, read-only {@code file} under {@code sha256}, unless the tier already has
     * it. The engine has verified the file; the tier may check again.
     *
     * <p>Success may also mean that another uploader is writing the same object at this moment (S3
     * answers a conditional write with 409 then): the object may not be readable yet, and stays
     * missing if that uploader fails. The tier only saves downloads, so readers then use the origin.
     */
    Mono<Void> upload(Sha256 sha256, Path file, long size);

    /**
     * The record of which blob the key {@code keyId} names across the fleet (for keys whose
     * requests pin no digest); empty if no host recorded one.
     *
     * @param keyId 64 hex characters that the engine derives from the key and the URL its bytes come
     *     from (SHA-256): the key itself, which may hold secrets, never leaves the host
     */
    Mono<KeyRecord> record(String keyId);

    /**
     * Records that {@code keyId} names {@code record}, unless a record exists already.
     *
     * <p>First-writer-wins holds only where the store enforces conditional writes (AWS S3, MinIO,
     * R2 and GCS do; s3proxy and some other S3-compatible servers ignore {@code If-None-Match}, and
     * there two hosts recording at the same instant may each be told their own record stands). So
     * the engine records a key only while it holds the key's {@linkplain Cluster cluster} lease, and
     * relies on this method alone only when it has no cluster.
     *
     * @return the record that stands: {@code record} if it was first, else the earlier one
     */
    Mono<KeyRecord> recordIfAbsent(String keyId, KeyRecord record);

    /** Releases the client's resources. */
    @Override
    void close();

    /**
     * Which blob a key names across the fleet.
     *
     * @param sha256 the blob's digest
     * @param size its size in bytes
     */
    record KeyRecord(Sha256 sha256, long size) {}
}
