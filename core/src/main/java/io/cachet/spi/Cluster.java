package io.cachet.spi;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The hosts of a fleet agreeing who downloads an artifact: named leases in a shared service (the
 * Redis implementation lives in {@code cachet-redis}). A cache given a cluster takes the lease of a
 * key (after its own file lock, and only when the {@linkplain BlobTier tier} lacks the artifact)
 * before it asks the origin, so one host downloads and the others read the result from the tier.
 *
 * <p>Leases only save downloads; correctness never depends on them. Every host still verifies
 * every byte it commits, so a lost, expired or doubly granted lease costs a second download, never
 * a wrong file. An implementation must keep these promises:
 *
 * <ul>
 *   <li>A lease is granted to one owner at a time, identified by a random token only it knows.
 *   <li>A lease expires only when its owner stops {@linkplain Lease#renew renewing} it, after the
 *       time to live on the service's clock (never a host's): a slow but live holder keeps it.
 *   <li>Nobody deletes another owner's lease: release compares the token and deletes atomically.
 *   <li>Every method is lazy and non-blocking, and fails (rather than hangs) when the service is
 *       unreachable; the engine then falls back to what a single host does, with one warning.
 * </ul>
 */
public interface Cluster extends AutoCloseable {

    /**
     * Tries once, without waiting, to take the lease {@code name} for {@code ttl}.
     *
     * @param self who asks, as other hosts will see it while they wait
     * @return {@link Granted} with the lease, or {@link Busy} with its holder as the holder last
     *     recorded itself
     */
    Mono<Attempt> tryAcquire(String name, Holder self, Duration ttl);

    /**
     * Emits {@code name} each time the lease {@code name} may have been released (a notification;
     * best effort, it may be late, missing or spurious). Waiters subscribe before they try and also
     * poll. It never completes by itself; it fails if the service cannot be reached.
     */
    Flux<String> releases(String name);

    /**
     * One cheap round trip to the service, for health checks: completes when it answers, fails
     * when it cannot be reached. Takes and changes nothing. The default answers at once, for a
     * cluster that has no service to reach.
     */
    default Mono<Void> ping() {
        return Mono.empty();
    }

    /** Closes the connection to the service; leases still held expire by themselves. */
    @Override
    void close();

    /** The outcome of {@link #tryAcquire}. */
    sealed interface Attempt permits Granted, Busy {}

    /** The lease is this caller's until it releases it or stops renewing it. */
    record Granted(Lease lease) implements Attempt {}

    /** Another owner holds the lease. */
    record Busy(Holder holder) implements Attempt {}

    /**
     * A lease owner as others see it: informational only, never a reason to break a lease.
     *
     * @param host the holder's host name
     * @param pid the holder's process id
     * @param bytes bytes the holder has downloaded so far, or -1 before it started
     * @param total the artifact's size if known, else -1
     */
    record Holder(String host, long pid, long bytes, long total) {
        /** The same holder, having downloaded {@code bytes} of {@code total}. */
        public Holder withProgress(long bytes, long total) {
            return new Holder(host, pid, bytes, total);
        }
    }

    /** A granted lease. */
    interface Lease {
        /** The lease's name. */
        String name();

        /**
         * Extends the lease to {@code ttl} from now and records the holder's progress, if this owner
         * still holds it.
         *
         * @return true if still held; false if it was lost (expired and perhaps taken by another). An
         *     error means the service could not tell (unreachable, no answer in time): the lease is
         *     then unknown, not lost, and the owner goes on and renews again later.
         */
        Mono<Boolean> renew(Duration ttl, Holder progress);

        /** Releases the lease if this owner still holds it; never deletes another owner's lease. */
        Mono<Void> release();
    }
}
