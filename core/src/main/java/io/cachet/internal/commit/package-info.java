/**
 * The commit: a verified part becomes a blob its key names, durably, in one step. Door: {@link
 * io.cachet.internal.commit.Commit}. See docs/reliability.md, "The durable commit".
 */
@NullMarked
package io.cachet.internal.commit;

import org.jspecify.annotations.NullMarked;
