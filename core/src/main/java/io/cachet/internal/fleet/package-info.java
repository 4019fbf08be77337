/**
 * The fleet stage: the miss path beyond this host, through a shared tier of blobs and a cluster
 * lease, between the key's lock and the origin. It only ever saves downloads: everything read from
 * the tier is verified like an origin's bytes, and any failure of the tier or the cluster falls
 * back to what a single host does. Door: {@link io.cachet.internal.fleet.Fleet}. See
 * docs/architecture.md, "Fleet".
 */
@NullMarked
package io.cachet.internal.fleet;

import org.jspecify.annotations.NullMarked;
