/**
 * The cache directory: key records, blobs, part files and sidecars, their formats and layout, and
 * the rule that says whose temporary files may be touched. Door: {@link
 * io.cachet.internal.store.Store}. See docs/architecture.md, "A content-addressed store".
 */
@NullMarked
package io.cachet.internal.store;

import org.jspecify.annotations.NullMarked;
