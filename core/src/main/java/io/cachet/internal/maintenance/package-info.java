/**
 * Listing, verifying, evicting and removing blobs that other callers and processes may be fetching
 * or holding. Door:
 * {@link io.cachet.internal.maintenance.Maintenance}. See docs/architecture.md, "Eviction".
 */
@NullMarked
package io.cachet.internal.maintenance;

import org.jspecify.annotations.NullMarked;
