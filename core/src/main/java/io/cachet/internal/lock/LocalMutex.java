package io.cachet.internal.lock;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * An asynchronous, first-come first-served mutex: the in-JVM half of a key's lock. Waiters are
 * queued, not polled, and no thread waits.
 *
 * <p>Concurrency: {@code held} and {@code waiters} are guarded by {@code this}; sections are a few
 * field updates, and no sink is signalled while the monitor is held. A grant that races with the
 * waiter's cancellation is resolved by the {@link Permit}'s own state: an unclaimed permit of a
 * cancelled waiter is handed on.
 */
final class LocalMutex {
    // Guarded by this.
    private boolean held;
    // Guarded by this.
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** How many acquirers use this mutex; changed only inside the owning table's compute calls. */
    int users;

    /**
     * A permit, emitted when the mutex is this caller's; {@link Permit#waited} tells whether it was
     * queued. The subscriber must {@link Permit#claim} it in {@code onNext}, and release it when done
     * or cancelled; a permit granted to a waiter that cancelled before claiming is handed on.
     */
    Mono<Permit> acquire() {
        return acquire(() -> {});
    }

    /**
     * {@link #acquire()}, calling {@code queued} (outside the monitor) if the caller has to wait
     * behind the holder. Deciding "held or not" in the same section that queues is what makes the
     * report exact: a separate {@link #isHeld()} check before acquiring races with the holder's own
     * acquisition, and a waiter could then wait without ever saying so.
     */
    Mono<Permit> acquire(Runnable queued) {
        return Mono.create(sink -> {
            Waiter waiter = new Waiter(sink);
            boolean now;
            synchronized (this) {
                now = !held;
                if (now) {
                    held = true;
                } else {
                    waiters.add(waiter);
                }
            }
            sink.onCancel(waiter::cancel);
            if (now) {
                waiter.grant(false);
            } else {
                queued.run();
            }
        });
    }

    private void handOn() {
        while (true) {
            Waiter next;
            synchronized (this) {
                next = waiters.poll();
                if (next == null) {
                    held = false;
                    return;
                }
            }
            if (next.grant(true)) {
                return;
            }
        }
    }

    synchronized boolean isHeld() {
        return held;
    }

    private final class Waiter {
        private static final int WAITING = 0;
        private static final int GRANTED = 1;
        private static final int CANCELLED = 2;

        private final MonoSink<Permit> sink;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private volatile @Nullable Permit permit;

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        /** Gives this waiter the mutex; false if it had already cancelled. */
        boolean grant(boolean waited) {
            Permit p = new Permit(LocalMutex.this::handOn, waited);
            permit = p; // Published before the state, so a racing cancel() always finds it.
            if (!state.compareAndSet(WAITING, GRANTED)) {
                return false;
            }
            sink.success(p);
            return true;
        }

        void cancel() {
            if (state.compareAndSet(WAITING, CANCELLED)) {
                synchronized (LocalMutex.this) {
                    waiters.remove(this);
                }
            } else {
                Permit p = permit;
                if (p != null) {
                    p.releaseIfUnclaimed();
                }
            }
        }
    }

    /** Ownership of the mutex; {@link #release} hands it to the next waiter, once. */
    static final class Permit {
        private static final int UNCLAIMED = 0;
        private static final int CLAIMED = 1;
        private static final int RELEASED = 2;

        private final Runnable handOn;
        private final boolean waited;
        private final AtomicInteger state = new AtomicInteger(UNCLAIMED);

        Permit(Runnable handOn, boolean waited) {
            this.handOn = handOn;
            this.waited = waited;
        }

        boolean waited() {
            return waited;
        }

        /** Takes responsibility for releasing; false if the permit was already released. */
        boolean claim() {
            return state.compareAndSet(UNCLAIMED, CLAIMED);
        }

        void release() {
            if (state.getAndSet(RELEASED) != RELEASED) {
                handOn.run();
            }
        }

        void releaseIfUnclaimed() {
            if (state.compareAndSet(UNCLAIMED, RELEASED)) {
                handOn.run();
            }
        }
    }
}
