package io.cachet.s3.internal;

import io.cachet.Sha256;
import io.cachet.spi.BlobTier.KeyRecord;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Text;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.ResponsePublisher;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The engine behind {@code S3Tier}: each method is one or a few S3 requests on the async client.
 *
 * <p>Conditional writes. A blob or key record is written with {@code If-None-Match: *}, so that of
 * two writers one gets 412 (or 409 while the other's write is in flight) and nothing is
 * overwritten, where the server supports it (AWS S3, MinIO, R2, GCS). A server that refuses the
 * header (501, 400) gets plain writes from then on; one that ignores it (s3proxy 2.6.0) gets them
 * anyway. For blobs that costs nothing: both writers hold the same bytes, and a HEAD before each
 * upload skips most duplicates. For key records it leaves a window: two hosts recording one key at
 * the very same moment may each be told their own record stands, until the later write wins for
 * everyone after. Reading the record back after writing it narrows the window; only conditional
 * writes (or the cluster's lease, which already serialises first downloads of a key) close it.
 */
public final class S3Blobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S3Blobs.class);
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

    private final S3AsyncClient client;
    private final Runnable afterClose;
    private final String bucket;
    private final String prefix;
    private final long multipartThreshold;
    private final long partSize;
    private volatile boolean conditionalWrites = true;

    /**
     * @param afterClose stops what the client does not own (its event loops)
     * @param prefix the key prefix, without leading or trailing slash; may be empty
     */
    public S3Blobs(
            S3AsyncClient client,
            Runnable afterClose,
            String bucket,
            String prefix,
            long multipartThreshold,
            long partSize) {
        this.client = client;
        this.afterClose = afterClose;
        this.bucket = bucket;
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
    }

    public URI locate(Sha256 sha256) {
        return URI.create("s3://" + bucket + "/" + blobKey(sha256));
    }

    private String blobKey(Sha256 sha256) {
        return prefix + "sha256/" + sha256.hex();
    }

    private String recordKey(String keyId) {
        return prefix + "keys/" + Objects.checkKeyId(keyId);
    }

    private String where(String key) {
        return "s3://" + bucket + "/" + key;
    }

    // ---- find ----

    public Mono<Long> find(Sha256 sha256) {
        String key = blobKey(sha256);
        return size(key).onErrorMap(e -> Failures.map(e, "looking up " + where(key)));
    }

    /** The object's size, or empty when there is none. */
    private Mono<Long> size(String key) {
        return call(() -> client.headObject(b -> b.bucket(bucket).key(key)))
                .map(r -> r.contentLength())
                .onErrorResume(e -> Failures.status(e) == 404, e -> Mono.empty());
    }

    // ---- open ----

    public Mono<OriginResponse> open(OriginRequest request) {
        String key = keyOf(request.uri());
        return get(request, key, true).onErrorMap(e -> Failures.map(e, "reading " + where(key)));
    }

    private Mono<OriginResponse> get(OriginRequest request, String key, boolean withValidators) {
        long offset = request.offset();
        boolean ranged = offset > 0 || request.isBounded();
        GetObjectRequest.Builder get = GetObjectRequest.builder().bucket(bucket).key(key);
        String ifMatch = withValidators ? strongEtag(request.validators()) : null;
        if (ranged) {
            get.range("bytes=" + offset + "-" + (request.isBounded() ? Long.toString(request.end() - 1) : ""));
            if (ifMatch != null) {
                get.ifMatch(ifMatch);
            }
        }
        GetObjectRequest built = get.build();
        return call(() -> client.getObject(built, AsyncResponseTransformer.toPublisher()))
                .map(published -> respond(request, ranged, published))
                .onErrorResume(
                        e -> ranged && Failures.status(e) == 412,
                        // Another version than the one resumed: the whole object, as If-Range would.
                        e -> get(request.withRange(0, OriginRequest.TO_THE_END, Validators.NONE), key, false))
                .onErrorResume(e -> ranged && Failures.status(e) == 416, e -> emptyAtEnd(request, key, e));
    }

    private OriginResponse respond(
            OriginRequest request, boolean ranged, ResponsePublisher<GetObjectResponse> published) {
        GetObjectResponse r = published.response();
        Validators validators = validators(r);
        Flux<ByteBuffer> body = Flux.from(published);
        long length = r.contentLength() == null ? -1 : r.contentLength();
        String header = r.contentRange();
        if (header == null) {
            return OriginResponse.full(length, validators, body).withAcceptsRanges(true);
        }
        Objects.Range range = Objects.contentRange(header);
        if (!ranged || range == null || range.first() != request.offset()) {
            discard(published);
            throw OriginFailure.unusableRange("the S3 tier answered the range from " + request.offset()
                    + " with Content-Range " + Text.printable(header, 100));
        }
        return OriginResponse.partial(range.first(), range.total(), validators, body);
    }

    /** 416: a range from the object's end is an empty partial answer; any other is unusable. */
    private Mono<OriginResponse> emptyAtEnd(OriginRequest request, String key, Throwable e) {
        return size(key)
                .switchIfEmpty(Mono.error(e))
                .flatMap(size -> size == request.offset()
                        ? Mono.just(OriginResponse.partial(size, size, request.validators(), Flux.empty()))
                        : Mono.error(OriginFailure.unusableRange(
                                "the S3 tier's object has " + size + " bytes, no range from " + request.offset())));
    }

    private static Validators validators(GetObjectResponse r) {
        String etag = r.eTag();
        if (etag != null && !etag.startsWith("\"") && !etag.startsWith("W/")) {
            etag = "\"" + etag + "\"";
        }
        try {
            return new Validators(etag, r.lastModified() == null ? null : HTTP_DATE.format(r.lastModified()));
        } catch (IllegalArgumentException unusable) {
            return Validators.NONE;
        }
    }

    private static @Nullable String strongEtag(Validators validators) {
        String etag = validators.etag();
        return etag == null || etag.startsWith("W/") ? null : etag;
    }

    private static void discard(ResponsePublisher<GetObjectResponse> published) {
        published.subscribe(new BaseSubscriber<ByteBuffer>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.cancel();
            }
        });
    }

    private String keyOf(URI uri) {
        String path = uri.getPath();
        if (!"s3".equalsIgnoreCase(uri.getScheme())
                || !bucket.equals(uri.getHost())
                || path == null
                || path.length() < 2) {
            throw new IllegalArgumentException(
                    "not an object of this tier (s3://" + bucket + "/...): " + Text.redact(uri));
        }
        return path.substring(1);
    }

    // ---- upload ----

    public Mono<Void> upload(Sha256 sha256, Path file, long size) {
        String key = blobKey(sha256);
        return Mono.fromCallable(() -> checkSize(file, size))
                .subscribeOn(Schedulers.boundedElastic())
                .then(size(key).map(Optional::of).defaultIfEmpty(Optional.empty()))
                .flatMap(stored -> {
                    if (stored.isPresent() && stored.get() == size) {
                        return Mono.<Void>empty(); // already there
                    }
                    if (stored.isPresent()) {
                        log.warn("{} holds {} bytes, not {}: replacing it", where(key), stored.get(), size);
                    }
                    return write(key, file, size, stored.isPresent());
                })
                .onErrorMap(e -> Failures.map(e, "uploading " + where(key)));
    }

    private static long checkSize(Path file, long size) {
        try {
            long actual = Files.size(file);
            if (actual != size) {
                throw new IllegalArgumentException(
                        "the file to upload has " + actual + " bytes, not the " + size + " given: " + file);
            }
            return actual;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the file to upload: " + file, e);
        }
    }

    /**
     * Writes the object, conditionally unless it must replace a wrong one; a 412 or 409 means
     * another writer of the same bytes was first. (After a 409 that writer may still fail; the blob
     * is then missing, and the next host that downloads it uploads it: the tier only saves work.)
     */
    private Mono<Void> write(String key, Path file, long size, boolean replace) {
        boolean conditional = conditionalWrites && !replace;
        Mono<Void> put = size < multipartThreshold
                ? putFile(key, file, size, conditional)
                : multipart(key, file, size, conditional);
        return conditionalFallback(
                        put,
                        conditional,
                        () -> size < multipartThreshold
                                ? putFile(key, file, size, false)
                                : multipart(key, file, size, false))
                .onErrorResume(S3Blobs::isLost, e -> Mono.empty());
    }

    private Mono<Void> putFile(String key, Path file, long size, boolean conditional) {
        return call(() -> client.putObject(
                        b -> {
                            b.bucket(bucket).key(key).contentLength(size);
                            if (conditional) {
                                b.ifNoneMatch("*");
                            }
                        },
                        AsyncRequestBody.fromFile(file)))
                .then();
    }

    private Mono<Void> multipart(String key, Path file, long size, boolean conditional) {
        return call(() -> client.createMultipartUpload(b -> b.bucket(bucket).key(key)))
                .flatMap(created -> {
                    String uploadId = created.uploadId();
                    int parts = (int) ((size + partSize - 1) / partSize);
                    return Flux.range(1, parts)
                            .concatMap(n -> uploadPart(key, uploadId, file, n, size))
                            .collectList()
                            .flatMap(completed -> complete(key, uploadId, completed, conditional))
                            .onErrorResume(e -> abort(key, uploadId).then(Mono.error(e)));
                });
    }

    private Mono<CompletedPart> uploadPart(String key, String uploadId, Path file, int n, long size) {
        long position = (n - 1) * partSize;
        long length = Math.min(partSize, size - position);
        return call(() -> client.uploadPart(
                        b -> b.bucket(bucket)
                                .key(key)
                                .uploadId(uploadId)
                                .partNumber(n)
                                .contentLength(length),
                        AsyncRequestBody.fromFile(
                                c -> c.path(file).position(position).numBytesToRead(length))))
                .map(r -> CompletedPart.builder().partNumber(n).eTag(r.eTag()).build())
                // One lost part should not cost the whole upload: transient failures are tried again.
                .retryWhen(Retry.backoff(2, Duration.ofMillis(200))
                        .filter(e -> Failures.map(e, "") instanceof OriginFailure f && f.isTransient())
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()));
    }

    private Mono<Void> complete(String key, String uploadId, List<CompletedPart> parts, boolean conditional) {
        return call(() -> client.completeMultipartUpload(b -> {
                    b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
                    if (conditional) {
                        b.ifNoneMatch("*");
                    }
                }))
                .then();
    }

    private Mono<Void> abort(String key, String uploadId) {
        return call(() -> client.abortMultipartUpload(
                        b -> b.bucket(bucket).key(key).uploadId(uploadId)))
                .then()
                .onErrorResume(e -> {
                    log.debug("aborting the multipart upload of {} failed", where(key), e);
                    return Mono.empty();
                });
    }

    /** 412: the key exists; 409: another conditional write of it is in flight. Either way, another writer. */
    private static boolean isLost(Throwable e) {
        int status = Failures.status(e);
        return status == 412 || status == 409;
    }

    /**
     * {@code write}, and if the server refuses {@code If-None-Match} (501 or 400 naming it), the
     * same write without it, now and from then on.
     */
    private Mono<Void> conditionalFallback(
            Mono<Void> write, boolean conditional, java.util.function.Supplier<Mono<Void>> plain) {
        if (!conditional) {
            return write;
        }
        return write.onErrorResume(
                e -> Failures.status(e) == 501
                        || "NotImplemented".equals(Failures.code(e))
                        || (Failures.status(e) == 400
                                && String.valueOf(Failures.unwrap(e).getMessage())
                                        .contains("If-None-Match")),
                e -> {
                    if (conditionalWrites) {
                        conditionalWrites = false;
                        log.warn(
                                "the S3 tier (bucket {}) does not support conditional writes (If-None-Match);"
                                        + " writing without them: {}",
                                bucket,
                                Failures.unwrap(e).getMessage());
                    }
                    return plain.get();
                });
    }

    // ---- key records ----

    public Mono<KeyRecord> record(String keyId) {
        String key = recordKey(keyId);
        return readRecord(key).onErrorMap(e -> Failures.map(e, "reading the key record " + where(key)));
    }

    private Mono<KeyRecord> readRecord(String key) {
        return call(() -> client.getObject(b -> b.bucket(bucket).key(key), AsyncResponseTransformer.toBytes()))
                .flatMap(bytes -> {
                    KeyRecord record = Objects.decode(bytes.asByteArray());
                    return record != null
                            ? Mono.just(record)
                            : Mono.error(OriginFailure.permanentFailure(
                                    "the S3 tier's key record " + where(key) + " is not one Cachet wrote;"
                                            + " delete it to let the next download record the key again"));
                })
                .onErrorResume(e -> Failures.status(e) == 404, e -> Mono.empty());
    }

    public Mono<KeyRecord> recordIfAbsent(String keyId, KeyRecord record) {
        String key = recordKey(keyId);
        byte[] bytes = Objects.encode(record);
        Mono<KeyRecord> attempt = readRecord(key).switchIfEmpty(Mono.defer(() -> {
            boolean conditional = conditionalWrites;
            return conditionalFallback(
                            putRecord(key, bytes, conditional), conditional, () -> putRecord(key, bytes, false))
                    .onErrorResume(e -> Failures.status(e) == 412, e -> Mono.empty())
                    // What stands now: ours, or the first writer's (412), or, on a server without
                    // conditional writes, the last writer's.
                    .then(readRecord(key));
        }));
        return attempt
                // 409: another host's conditional write is in flight; ask again shortly.
                .retryWhen(Retry.backoff(5, Duration.ofMillis(20))
                        .filter(e -> Failures.status(e) == 409)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .defaultIfEmpty(record)
                .onErrorMap(e -> Failures.map(e, "recording the key in " + where(key)));
    }

    private Mono<Void> putRecord(String key, byte[] bytes, boolean conditional) {
        return call(() -> client.putObject(
                        b -> {
                            b.bucket(bucket)
                                    .key(key)
                                    .contentLength((long) bytes.length)
                                    .contentType("text/plain");
                            if (conditional) {
                                b.ifNoneMatch("*");
                            }
                        },
                        AsyncRequestBody.fromBytes(bytes)))
                .then();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            afterClose.run();
        }
    }

    /**
     * One S3 request. A pooled connection that the server closed while it was idle fails the request
     * before any answer; that one case is tried once more on a fresh connection (the SDK's own retries
     * are off: the engine decides about everything else).
     */
    private static <T> Mono<T> call(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> request) {
        return Mono.fromFuture(request, true).retryWhen(Retry.max(1).filter(S3Blobs::closedBeforeAnAnswer));
    }

    private static boolean closedBeforeAnAnswer(Throwable t) {
        Throwable e = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        if (!(e instanceof software.amazon.awssdk.core.exception.SdkClientException)) {
            return false;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (c instanceof java.nio.channels.ClosedChannelException
                    || (m != null && m.contains("connection was closed during the request"))) {
                return true;
            }
        }
        return false;
    }
}
