package io.cachet.internal.lock;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The shared holders of one lock file in this JVM: one channel and one OS shared lock for all of
 * them (docs/reliability.md I4), taken for the first and let go after the last.
 *
 * <pre>
 * ACQUIRING ── the lock is this JVM's ─▶ ACTIVE ── the last holder leaves ─▶ DONE (released)
 *     └── the acquisition fails, or every holder left before it succeeded ─▶ DONE
 * </pre>
 *
 * <p>A hold that is {@code DONE} takes no one: a newcomer then starts a new hold, whose in-JVM mutex
 * is granted only once this one has closed its channel.
 *
 * <p>Concurrency: {@code holders}, {@code state} and {@code inner} are guarded by this; the lock is
 * taken and released outside the monitor.
 */
final class SharedHold {
    private enum State {
        ACQUIRING,
        ACTIVE,
        DONE
    }

    private final Sinks.One<LockManager.Lease> ready = Sinks.one();
    private final Consumer<SharedHold> forget;
    // Guarded by this.
    private int holders;
    // Guarded by this.
    private State state = State.ACQUIRING;
    // Guarded by this.
    private LockManager.@Nullable Lease inner;

    /** @param forget removes this hold from the table, so that newcomers start another */
    SharedHold(Consumer<SharedHold> forget) {
        this.forget = forget;
    }

    /** Counts one more holder; false if this hold is done (the caller starts a new one). */
    synchronized boolean join() {
        if (state == State.DONE) {
            return false;
        }
        holders++;
        return true;
    }

    /** The exclusive-in-JVM, shared-across-processes lock all holders share, once it is taken. */
    Mono<LockManager.Lease> ready() {
        return ready.asMono();
    }

    /** Starts taking the lock for every holder; called once, by whoever created this hold. */
    void start(Mono<LockManager.Lease> acquisition) {
        acquisition.subscribe(this::acquired, this::failed);
    }

    private void acquired(LockManager.Lease lease) {
        boolean nobodyLeft;
        synchronized (this) {
            nobodyLeft = holders == 0;
            state = nobodyLeft ? State.DONE : State.ACTIVE;
            inner = nobodyLeft ? null : lease;
        }
        if (nobodyLeft) {
            forget.accept(this);
            lease.releaseNow();
        } else {
            ready.tryEmitValue(lease);
        }
    }

    private void failed(Throwable error) {
        synchronized (this) {
            state = State.DONE;
        }
        forget.accept(this);
        ready.tryEmitError(error);
    }

    /** One holder is done; the last one releases the lock. */
    void leave() {
        LockManager.Lease release = null;
        synchronized (this) {
            holders--;
            if (holders == 0 && state == State.ACTIVE) {
                state = State.DONE;
                release = inner;
                inner = null;
            }
        }
        if (release != null) {
            forget.accept(this);
            release.releaseNow();
        }
    }
}
