package io.cachet.internal.fleet;

import io.cachet.internal.retry.Backoff;
import io.cachet.internal.store.Store;
import io.cachet.spi.Cluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The cluster's leases as a fetch uses them. Taking one that another host holds means waiting
 * without a thread: the holder is asked for again after a jittered, growing delay (at most a second,
 * or half the time to live), or at once when the cluster says the lease may have been released.
 * Every wait reports the holder ({@link WaitReport}). A cluster that fails, now or while waiting,
 * makes the fetch go on without a lease (one warning per outage, see {@link Health}).
 */
final class Leases {
    private final Cluster cluster;
    private final Health health;
    private final Duration ttl;
    private final Duration callTimeout;
    private final Scheduler timer;
    private final Backoff polling;
    private final DoubleSupplier random;
    private final Cluster.Holder self;

    Leases(Cluster cluster, Duration ttl, Duration callTimeout, Scheduler timer, DoubleSupplier random) {
        this.cluster = cluster;
        this.health = new Health(
                "The fleet's cluster " + cluster,
                "each host downloads what the tier lacks for itself, so several may download one artifact",
                timer);
        this.ttl = ttl;
        this.callTimeout = callTimeout;
        this.timer = timer;
        this.random = random;
        Duration first = Duration.ofMillis(Math.max(1, Math.min(50, ttl.toMillis() / 8)));
        Duration cap = Duration.ofMillis(Math.max(first.toMillis(), Math.min(1000, ttl.toMillis() / 2)));
        this.polling = new Backoff(first, cap, 2.0, 0.25);
        Store.Owner me = Store.Owner.current();
        this.self = new Cluster.Holder(me.host(), me.pid(), -1, -1);
    }

    boolean usable() {
        return health.usable();
    }

    /**
     * The lease {@code name}, once no other owner holds it; empty if the cluster failed (warned).
     * Cancelling stops the wait.
     */
    Mono<Held> acquire(String name, WaitReport report) {
        return Mono.defer(() -> {
            Wakeup wakeup = new Wakeup();
            return Health.within(Mono.defer(() -> cluster.tryAcquire(name, self, ttl)), callTimeout, timer)
                    .flatMap(attempt -> {
                        if (attempt instanceof Cluster.Granted granted) {
                            return Mono.just(new Held(granted.lease(), this, report.waited()));
                        }
                        report.busy(((Cluster.Busy) attempt).holder());
                        wakeup.listen(name);
                        return Mono.<Held>empty();
                    })
                    .repeatWhenEmpty(polls -> polls.concatMap(n -> wakeup.after(polling.delay(n.intValue(), random))))
                    .doOnNext(held -> health.ok())
                    .onErrorResume(e -> {
                        health.failed(e, "taking the lease " + name);
                        return Mono.empty();
                    })
                    .doFinally(signal -> wakeup.dispose());
        });
    }

    Duration ttl() {
        return ttl;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    Scheduler timer() {
        return timer;
    }

    Cluster.Holder self() {
        return self;
    }

    /**
     * Ends a wait early when the cluster announces a release. Notifications are best effort (late,
     * lost, spurious), so a wait also ends after its delay. Touched by one acquisition, whose polls
     * run one after another; the notifications arrive on the cluster's threads.
     */
    private final class Wakeup implements Disposable {
        private final AtomicReference<@Nullable MonoSink<Object>> sleeping = new AtomicReference<>();
        private volatile boolean pending;
        private volatile @Nullable Disposable listening;
        private volatile boolean disposed;

        /** Starts listening for releases of {@code name}, once. */
        void listen(String name) {
            if (listening == null && !disposed) {
                listening = cluster.releases(name).subscribe(released -> wake(), e -> {
                    // Polling alone then: the cluster's failure shows in the next attempt.
                });
            }
        }

        Mono<Object> after(Duration delay) {
            return Mono.create(sink -> {
                sleeping.set(sink);
                sink.onDispose(timer.schedule(() -> sink.success(Boolean.TRUE), delay.toNanos(), TimeUnit.NANOSECONDS));
                if (pending) {
                    pending = false;
                    sink.success(Boolean.TRUE);
                }
            });
        }

        private void wake() {
            pending = true;
            MonoSink<Object> sink = sleeping.getAndSet(null);
            if (sink != null) {
                pending = false;
                sink.success(Boolean.TRUE);
            }
        }

        @Override
        public void dispose() {
            disposed = true;
            Disposable l = listening;
            if (l != null) {
                l.dispose();
            }
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }
    }
}
