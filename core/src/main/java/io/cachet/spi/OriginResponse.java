package io.cachet.spi;

import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;

/**
 * An origin's answer: what it is sending, and the bytes.
 *
 * <p>The {@link #body} contract:
 *
 * <ul>
 *   <li>It honours backpressure: it emits no more buffers than requested.
 *   <li>Each buffer is valid only until {@code onNext} returns. The engine copies what it needs
 *       before returning, so a transport may release or reuse the memory as soon as it regains
 *       control (as reactor-netty does with its pooled buffers).
 *   <li>It completes when the whole answer has arrived, and fails with the transport's error if
 *       the transfer broke. A truncated body must fail, not complete.
 *   <li>It may be subscribed once. The engine cancels a body it does not want, which lets the
 *       transport release the connection.
 * </ul>
 *
 * @param status whether the body is the whole artifact or the range asked for
 * @param offset where the body starts in the artifact: 0 for {@link Status#FULL}
 * @param length the total size of the artifact if the origin declared it, else -1
 * @param validators what identifies this version of the artifact
 * @param acceptsRanges whether the origin serves byte ranges of this artifact (HTTP: it answered
 *     206, or said {@code Accept-Ranges: bytes}); the engine fetches ranges in parallel only then
 * @param body the bytes, from {@code offset}; for a {@link OriginRequest#isBounded() bounded}
 *     request, exactly the bytes up to its end (or to the artifact's end, if that comes first)
 */
public record OriginResponse(
        Status status, long offset, long length, Validators validators, boolean acceptsRanges, Flux<ByteBuffer> body) {

    /** Whether the body is the whole artifact or the remainder from an offset. */
    public enum Status {
        /** The body is the whole artifact, from byte 0. */
        FULL,
        /** The body is the range asked for, from {@link #offset}. */
        PARTIAL
    }

    /** Validates the fields. */
    public OriginResponse {
        if (status == Status.FULL && offset != 0) {
            throw new IllegalArgumentException("a full response starts at 0, not " + offset);
        }
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length + " must not be negative");
        }
        if (length != -1 && offset > length) {
            throw new IllegalArgumentException("offset " + offset + " is past the length " + length);
        }
    }

    /** The whole artifact, from an origin that said nothing about ranges. */
    public static OriginResponse full(long length, Validators validators, Flux<ByteBuffer> body) {
        return new OriginResponse(Status.FULL, 0, length, validators, false, body);
    }

    /** The range asked for, from {@code offset}; an origin that sends one accepts ranges. */
    public static OriginResponse partial(long offset, long length, Validators validators, Flux<ByteBuffer> body) {
        return new OriginResponse(Status.PARTIAL, offset, length, validators, true, body);
    }

    /** The same response, saying whether the origin accepts range requests for this artifact. */
    public OriginResponse withAcceptsRanges(boolean acceptsRanges) {
        return new OriginResponse(status, offset, length, validators, acceptsRanges, body);
    }
}
