package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.Text;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the store already holds for a request: the hit decision, before and after the key's lock.
 *
 * <ul>
 *   <li>A key record names a blob: a hit if the blob is there with the recorded size and matches
 *       what the request pins. A record made from another URL than the request's serves only a
 *       request that pins the digest; an unpinned one is refused, never silently served bytes from
 *       elsewhere.
 *   <li>No usable record, but the request pins a digest whose blob is there: the blob is reused
 *       (two keys, one blob) once its size is confirmed: against the request's size, else by
 *       re-hashing it, since nothing else vouches for a blob no record of this key names.
 * </ul>
 *
 * <p>Writes (a record confirmed by a pin, a new key for an existing blob) happen only under the
 * key's lock; before it, a lookup that would write answers {@link Outcome.NeedsLock}.
 */
final class Lookup {
    private static final Logger log = LoggerFactory.getLogger(Lookup.class);

    private final Store store;

    Lookup(Store store) {
        this.store = store;
    }

    /** What a lookup found. */
    sealed interface Outcome {
        /** The artifact is there; {@code recordUpdate} is a record to write under the lock, or null. */
        record Hit(Artifact artifact, Store.@Nullable Record recordUpdate) implements Outcome {}

        /** The pinned blob is there but no record of this key names it: reuse it under the blob's lock. */
        record ByDigest(Sha256 sha256, long size) implements Outcome {}

        /** Nothing usable: download. */
        record Miss() implements Outcome {}
    }

    /**
     * Looks {@code request} up.
     *
     * @throws StorageException if the store cannot be read
     * @throws InvalidRequestException if the key names bytes from another URL and the request pins
     *     nothing
     */
    Outcome find(FetchRequest request, KeyId id) {
        Store.Record record;
        try {
            record = store.readRecord(id);
        } catch (IOException e) {
            throw StorageException.of(store.recordPath(id), "read the key record", e);
        }
        Sha256 wanted = request.sha256();
        long size = request.size();
        try {
            if (record != null && fromAnotherUrl(record, request) && wanted == null) {
                throw anotherUrl(request.key(), record, request);
            }
            if (record != null
                    && (wanted == null || wanted.equals(record.sha256()))
                    && (size == FetchRequest.UNKNOWN_SIZE || size == record.size())
                    && store.hasBlob(record.sha256(), record.size())) {
                Artifact hit = new Artifact(
                        request.key(),
                        store.blobPath(record.sha256()),
                        record.sha256(),
                        record.size(),
                        Artifact.Source.HIT);
                return new Outcome.Hit(hit, wanted != null && !record.pinned() ? record.asPinned() : null);
            }
            if (wanted != null) {
                long known = size != FetchRequest.UNKNOWN_SIZE
                        ? size
                        : record != null && wanted.equals(record.sha256()) ? record.size() : -1;
                if (store.hasBlob(wanted, known)) {
                    return new Outcome.ByDigest(wanted, known);
                }
            }
            return new Outcome.Miss();
        } catch (IOException e) {
            throw StorageException.of(store.root(), "look up " + request.key() + " in", e);
        }
    }

    /**
     * Writes a record that confirms a hit. A verified blob that is there is served even when its
     * record cannot be updated (a read-only cache, a full disk): say so once, and go on.
     */
    void confirm(KeyId id, Store.Record update) {
        try {
            store.writeRecord(id, update);
        } catch (IOException e) {
            StorageException why = StorageException.of(store.recordPath(id), "update the key record", e);
            if (WARNED.compareAndSet(false, true)) {
                log.warn("{} The cached artifact is served anyway; only its record was not updated.", why.getMessage());
            }
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Whether {@code record} was made from another URL than the request's (unknown for old records). */
    static boolean fromAnotherUrl(Store.Record record, FetchRequest request) {
        return !record.uriHash().isEmpty() && !record.uriHash().equals(uriHash(request));
    }

    /** What a record keeps of a request's URI: the SHA-256 of the URI as its key would be written. */
    static String uriHash(FetchRequest request) {
        return io.cachet.internal.digest.Digests.hex(Key.of(request.uri()).value());
    }

    private static InvalidRequestException anotherUrl(Key key, Store.Record record, FetchRequest request) {
        return new InvalidRequestException(
                "key",
                '"' + key.toString() + '"',
                "it names bytes downloaded from " + record.url() + ", not from " + Text.redact(request.uri())
                        + "; pin the digest (sha256 " + record.sha256() + ") to accept those bytes, use another key,"
                        + " or remove the key from the cache first");
    }
}
