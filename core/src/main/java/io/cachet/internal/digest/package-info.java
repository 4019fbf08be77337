/**
 * SHA-256, the one way Cachet hashes. Door: {@link io.cachet.internal.digest.Digests}.
 */
@NullMarked
package io.cachet.internal.digest;

import org.jspecify.annotations.NullMarked;
