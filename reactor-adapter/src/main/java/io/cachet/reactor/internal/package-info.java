/**
 * HTTP semantics for the reactor-netty origin, kept apart from the transport so they can be tested
 * without a server: range requests and their answers, {@code Content-Range} and {@code Retry-After}
 * parsing, the redirect policy, status classification, proxy selection and the mapping of Netty's
 * errors. {@link io.cachet.reactor.internal.HttpOrigin} is the one type {@code io.cachet.reactor}
 * uses; everything else is package-private. Not exported.
 */
@NullMarked
package io.cachet.reactor.internal;

import org.jspecify.annotations.NullMarked;
