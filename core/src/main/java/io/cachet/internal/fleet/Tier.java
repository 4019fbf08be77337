package io.cachet.internal.fleet;

import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.OriginException;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The fleet's tier as a fetch uses it: every call bounded in time, every failure turned into
 * "not there" (after one warning per outage, see {@link Health}), except a failure of this host's
 * own disk, which is the fetch's error. Blobs are read through the download stage like an origin's
 * bytes, verified against the digest they are filed under, with at most one retry: a tier that
 * fails is left for the origin rather than waited for.
 */
final class Tier {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final BlobTier blobs;
    private final Health health;
    private final Download.Context downloads;
    private final Duration callTimeout;
    private final Scheduler timer;
    private final Origin origin;

    Tier(BlobTier blobs, Download.Context downloads, Duration callTimeout) {
        this.blobs = blobs;
        this.timer = downloads.timer();
        this.health = new Health(
                "The fleet's tier " + blobs,
                "each host downloads from the origin and keeps what it downloads to itself",
                timer);
        RetryPolicy policy = downloads.retryPolicy();
        this.downloads = downloads.with(policy.withMaxRetries(Math.min(1, policy.maxRetries())), downloads.events());
        this.callTimeout = callTimeout;
        this.origin = new Origin() {
            @Override
            public boolean supports(URI uri) {
                return true;
            }

            @Override
            public Mono<OriginResponse> open(OriginRequest request) {
                return blobs.open(request);
            }
        };
    }

    boolean usable() {
        return health.usable();
    }

    /** The fleet's record of a key; empty if there is none or the tier cannot say. */
    Mono<BlobTier.KeyRecord> record(String recordId) {
        return ask(() -> blobs.record(recordId), "reading a key record");
    }

    /** The size of the tier's copy of {@code sha256}; empty if there is none or the tier cannot say. */
    Mono<Long> find(Sha256 sha256) {
        return ask(() -> blobs.find(sha256), "looking up sha256 " + sha256);
    }

    /** Records {@code record} for the key unless one stands; the record that stands, or empty if the tier cannot say. */
    Mono<BlobTier.KeyRecord> recordIfAbsent(String recordId, BlobTier.KeyRecord record) {
        return ask(() -> blobs.recordIfAbsent(recordId, record), "recording a key");
    }

    /** Uploads a committed blob; whether the tier took it (or another uploader is writing it). */
    Mono<Boolean> upload(Sha256 sha256, Path blob, long size) {
        if (!health.usable()) {
            return Mono.just(false);
        }
        return Mono.defer(() -> blobs.upload(sha256, blob, size))
                .then(Mono.fromCallable(() -> {
                    health.ok();
                    return true;
                }))
                .onErrorResume(e -> {
                    health.failed(e, "uploading sha256 " + sha256);
                    return Mono.just(false);
                });
    }

    /**
     * Reads the tier's copy of {@code sha256}, {@code size} bytes, into a verified part of {@code
     * id}. Empty if the copy turns out missing, truncated or corrupt (with a warning naming the
     * object) or the tier fails meanwhile; a {@link StorageException} of this host's disk is the
     * fetch's error.
     */
    Mono<Download.Verified> read(FetchRequest request, KeyId id, Sha256 sha256, long size) {
        URI where = blobs.locate(sha256);
        FetchRequest pinned = request.withSha256(sha256).withSize(size);
        return Download.run(downloads, pinned, id, List.of(new Download.Source(origin, where, Map.of())))
                .doOnNext(part -> health.ok())
                .onErrorResume(e -> !(e instanceof StorageException), e -> {
                    if (e instanceof IntegrityException bad) {
                        corrupt(sha256, where, mismatch(bad));
                    } else if (e instanceof OriginException o && o.status() == 404) {
                        log.debug("{} vanished before it was read", Text.redact(where));
                    } else {
                        health.failed(e, "reading " + Text.redact(where));
                    }
                    return Mono.empty();
                });
    }

    /** Warns that the tier's copy of {@code sha256} cannot be used; the origin serves this fetch instead. */
    void corrupt(Sha256 sha256, URI where, String why) {
        log.warn(
                "The fleet's tier holds a copy of sha256 {} that does not verify ({}): {}. This host downloads it from"
                        + " the origin instead; delete that object so that the next download puts a good one there.",
                sha256,
                Text.redact(where),
                why);
    }

    private static String mismatch(IntegrityException bad) {
        return bad.kind() == IntegrityException.Kind.DIGEST_MISMATCH
                ? "its bytes hash to sha256 " + bad.actualSha256()
                : "it has " + bad.actualSize() + " bytes, not " + bad.expectedSize();
    }

    URI locate(Sha256 sha256) {
        return blobs.locate(sha256);
    }

    private <T> Mono<T> ask(Supplier<Mono<T>> call, String doing) {
        if (!health.usable()) {
            return Mono.empty();
        }
        return Health.within(Mono.defer(call), callTimeout, timer)
                .doOnSuccess(answer -> health.ok())
                .onErrorResume(e -> {
                    health.failed(e, doing);
                    return Mono.empty();
                });
    }
}
