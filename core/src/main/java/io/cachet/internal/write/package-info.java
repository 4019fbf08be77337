/**
 * Bytes into a part file: positional writes through an {@code AsynchronousFileChannel}, hashing in
 * order, with backpressure and the idle and throughput watchdog; several ranges of one file at
 * once, hashed in order as the prefix completes. Door: {@link
 * io.cachet.internal.write.StreamingWriter}.
 */
@NullMarked
package io.cachet.internal.write;

import org.jspecify.annotations.NullMarked;
