/**
 * The transport SPI: an {@link io.cachet.spi.Origin} turns a URI and an offset into a stream of
 * bytes. Implement it to teach Cachet a protocol; the HTTP origin lives in {@code cachet-reactor}.
 */
@NullMarked
package io.cachet.spi;

import org.jspecify.annotations.NullMarked;
