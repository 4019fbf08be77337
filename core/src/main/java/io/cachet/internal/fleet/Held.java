package io.cachet.internal.fleet;

import io.cachet.spi.Cluster;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A cluster lease this fetch holds: renewed on the cache's timer while the download runs, carrying
 * its progress for the hosts that wait; released once, whatever happens.
 *
 * <p>Renewal answers three ways. True: still held. False: lost (it expired, after a Redis restart
 * or a long pause, and another host may hold it now): this host says so once and downloads on,
 * since correctness never depends on the lease; it only stops recording the key for the fleet. An
 * error: unknown (the cluster did not answer), so the next renewal tries again.
 */
final class Held {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final Cluster.Lease lease;
    private final Leases leases;
    private final boolean waited;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean lost;

    Held(Cluster.Lease lease, Leases leases, boolean waited) {
        this.lease = lease;
        this.leases = leases;
        this.waited = waited;
    }

    /** Whether another host held the lease before this one got it. */
    boolean waited() {
        return waited;
    }

    /** Whether the cluster said the lease is no longer this host's. */
    boolean lost() {
        return lost;
    }

    boolean released() {
        return released.get();
    }

    /** Renews the lease every third of its time to live, with {@code bytes} of {@code total} done, until disposed. */
    Disposable renewing(LongSupplier bytes, LongSupplier total) {
        Duration ttl = leases.ttl();
        Duration period = ttl.dividedBy(3);
        return Flux.interval(period, period, leases.timer())
                .onBackpressureDrop()
                .concatMap(
                        tick -> Health.within(
                                        lease.renew(
                                                ttl, leases.self().withProgress(bytes.getAsLong(), total.getAsLong())),
                                        period,
                                        leases.timer())
                                .onErrorResume(e -> {
                                    log.debug(
                                            "the lease {} could not be renewed just now; trying again",
                                            lease.name(),
                                            e);
                                    return Mono.empty();
                                }),
                        1)
                .takeUntil(held -> !held)
                .subscribe(
                        held -> {
                            if (!held && !released.get()) {
                                lost = true;
                                log.warn(
                                        "The lease {} was lost (it expired, perhaps because the cluster restarted):"
                                                + " this host finishes its download anyway, and another host may"
                                                + " download the same artifact meanwhile.",
                                        lease.name());
                            }
                        },
                        e -> log.debug("renewing the lease {} stopped", lease.name(), e));
    }

    /** Releases the lease once; a failure only leaves it to expire by itself. */
    Mono<Void> release() {
        return Mono.defer(() -> {
            if (!released.compareAndSet(false, true)) {
                return Mono.empty();
            }
            return Health.within(lease.release(), leases.callTimeout(), leases.timer())
                    .onErrorResume(e -> {
                        log.debug("releasing the lease {} failed; it expires by itself", lease.name(), e);
                        return Mono.empty();
                    });
        });
    }
}
