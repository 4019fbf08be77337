/**
 * A verified artifact placed at a path its caller chose, never partial there. Door: {@link
 * io.cachet.internal.output.Placement}. See docs/architecture.md, "Output paths".
 */
@NullMarked
package io.cachet.internal.output;

import org.jspecify.annotations.NullMarked;
