/**
 * The HTTP work behind {@code NettyOrigin}, kept apart from its public face so that the semantics
 * can be tested without a server: deriving clients from the caller's ({@code Clients}, {@code
 * Proxies}), range requests and their answers ({@code RangeRequest}, {@code ContentRange}), the
 * redirect policy, status classification, {@code Retry-After}, and the mapping of Netty's errors.
 *
 * <p>The one door is {@link io.cachet.reactor.internal.HttpOrigin}: {@code NettyOrigin} hands it
 * the builder's {@link io.cachet.reactor.internal.HttpOrigin.Options} and forwards {@code open} to
 * it. Everything else is package-private. Not exported.
 */
@NullMarked
package io.cachet.reactor.internal;

import org.jspecify.annotations.NullMarked;
