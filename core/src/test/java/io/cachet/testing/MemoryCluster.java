package io.cachet.testing;

import io.cachet.spi.Cluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * An in-memory {@link Cluster} for fast engine tests, keeping the SPI's promises (one owner per
 * lease, expiry only when not renewed, compare-and-delete release) on a clock that tests choose,
 * with faults: {@link #down} (every call fails), {@link #failRenewals} (renewals cannot tell),
 * {@link #forgetAll} (a restart: every lease is gone), and release notifications that can be
 * {@linkplain #silent silenced}. The real one, on Redis, is tested in {@code cachet-redis}.
 */
public final class MemoryCluster implements Cluster {
    private final Scheduler clock;
    private final Sinks.Many<String> released = Sinks.many().multicast().directBestEffort();
    private final AtomicInteger acquisitions = new AtomicInteger();
    private final AtomicInteger renewals = new AtomicInteger();
    // Guarded by this.
    private final Map<String, Entry> leases = new HashMap<>();
    private volatile boolean down;
    private volatile boolean failRenewals;
    private volatile boolean silent;
    private volatile Scheduler answerOn = Schedulers.immediate();

    private record Entry(String token, Holder holder, long expiresAtMillis) {}

    /** A cluster on the real clock. */
    public MemoryCluster() {
        this(Schedulers.parallel());
    }

    /** A cluster whose leases expire on {@code clock} (a virtual-time scheduler in tests). */
    public MemoryCluster(Scheduler clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Attempt> tryAcquire(String name, Holder self, Duration ttl) {
        return Mono.<Attempt>defer(() -> {
                    failIfDown();
                    synchronized (this) {
                        Entry current = live(name);
                        if (current != null) {
                            return Mono.<Attempt>just(new Busy(current.holder()));
                        }
                        String token = Long.toHexString(
                                ThreadLocalRandom.current().nextLong()); // UUID reads /dev/urandom: it blocks.
                        leases.put(name, new Entry(token, self, now() + ttl.toMillis()));
                        acquisitions.incrementAndGet();
                        return Mono.<Attempt>just(new Granted(new MemoryLease(this, name, token)));
                    }
                })
                .publishOn(answerOn);
    }

    @Override
    public Flux<String> releases(String name) {
        return Flux.defer(() -> {
            failIfDown();
            return released.asFlux().filter(name::equals);
        });
    }

    @Override
    public void close() {
        released.tryEmitComplete();
    }

    // ---- faults and observations ----

    /** Signals every answer on {@code scheduler}, as Lettuce does on its event loops. */
    public MemoryCluster answerOn(Scheduler scheduler) {
        this.answerOn = scheduler;
        return this;
    }

    /** Every call fails (as with Redis unreachable) until told otherwise. */
    public void down(boolean down) {
        this.down = down;
    }

    /** Renewals fail (the cluster cannot tell) until told otherwise. */
    public void failRenewals(boolean fail) {
        this.failRenewals = fail;
    }

    /** Releases announce nothing: waiters learn of them by polling only. */
    public void silent(boolean silent) {
        this.silent = silent;
    }

    /** Forgets every lease, as a Redis restart without persistence does. */
    public synchronized void forgetAll() {
        leases.clear();
    }

    /** The holder of {@code name} as it last recorded itself, or null if nobody holds it. */
    public synchronized Holder holder(String name) {
        Entry e = live(name);
        return e == null ? null : e.holder();
    }

    /** The names of the leases held now. */
    public synchronized java.util.Set<String> held() {
        leases.keySet().removeIf(name -> live(name) == null);
        return java.util.Set.copyOf(leases.keySet());
    }

    /** Leases granted so far. */
    public int acquisitions() {
        return acquisitions.get();
    }

    /** Renewals asked for so far, whatever they answered. */
    public int renewals() {
        return renewals.get();
    }

    private Entry live(String name) {
        Entry e = leases.get(name);
        if (e != null && e.expiresAtMillis() <= now()) {
            leases.remove(name);
            return null;
        }
        return e;
    }

    private long now() {
        return clock.now(TimeUnit.MILLISECONDS);
    }

    private void failIfDown() {
        if (down) {
            throw new IllegalStateException("the test cluster is down");
        }
    }

    /** A lease of {@code cluster}, identified by {@code token}. */
    private record MemoryLease(MemoryCluster cluster, String name, String token) implements Lease {
        @Override
        public Mono<Boolean> renew(Duration ttl, Holder progress) {
            return Mono.fromCallable(() -> {
                        cluster.renewals.incrementAndGet();
                        cluster.failIfDown();
                        if (cluster.failRenewals) {
                            throw new IllegalStateException("the test cluster did not answer the renewal");
                        }
                        synchronized (cluster) {
                            Entry e = cluster.live(name);
                            if (e == null || !e.token().equals(token)) {
                                return false;
                            }
                            cluster.leases.put(name, new Entry(token, progress, cluster.now() + ttl.toMillis()));
                            return true;
                        }
                    })
                    .publishOn(cluster.answerOn);
        }

        @Override
        public Mono<Void> release() {
            return Mono.fromRunnable(() -> {
                        cluster.failIfDown();
                        boolean mine;
                        synchronized (cluster) {
                            Entry e = cluster.leases.get(name);
                            mine = e != null && e.token().equals(token);
                            if (mine) {
                                cluster.leases.remove(name);
                            }
                        }
                        if (mine && !cluster.silent) {
                            cluster.released.tryEmitNext(name);
                        }
                    })
                    .publishOn(cluster.answerOn)
                    .then();
        }
    }
}
