/**
 * The engine: {@link io.cachet.internal.Engine}, the door, is the {@code Cache}; {@code Flight} runs one
 * request's miss path and {@code Lookup} decides hits; {@code Leases} holds artifacts in use and
 * {@code AutoEviction} keeps the cache under its size cap. It sits on top of every other internal
 * package, and none of them reaches back into it. See docs/architecture.md, "A fetch".
 */
@NullMarked
package io.cachet.internal;

import org.jspecify.annotations.NullMarked;
