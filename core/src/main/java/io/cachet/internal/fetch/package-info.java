/**
 * The download stage: the attempt loop from an open part file to a verified one, with resume,
 * response checks, failure classification, retries and progress, parallel ranges and mirrors.
 * Door: {@link io.cachet.internal.fetch.Download}. See docs/architecture.md, "Resume", "Parallel
 * ranges", "Mirrors" and "Retries and limits".
 */
@NullMarked
package io.cachet.internal.fetch;

import org.jspecify.annotations.NullMarked;
