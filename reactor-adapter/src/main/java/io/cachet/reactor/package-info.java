/**
 * Cachet's HTTP origin on reactor-netty. Its one door is {@link io.cachet.reactor.NettyOrigin}: the
 * {@code http} and {@code https} {@link io.cachet.spi.Origin}, built on reactor-netty's shared
 * resources or on a caller's own {@code HttpClient}. The HTTP semantics behind it live in {@code
 * io.cachet.reactor.internal}, which this module does not export.
 */
@NullMarked
package io.cachet.reactor;

import org.jspecify.annotations.NullMarked;
