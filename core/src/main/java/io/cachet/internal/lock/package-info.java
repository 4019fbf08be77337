/**
 * Exclusive access to a name across the threads of this JVM and across processes: an in-JVM mutex
 * per canonical directory and name, then an OS file lock polled with backoff. Door: {@link
 * io.cachet.internal.lock.LockManager}. See docs/architecture.md, "Across processes".
 */
@NullMarked
package io.cachet.internal.lock;

import org.jspecify.annotations.NullMarked;
