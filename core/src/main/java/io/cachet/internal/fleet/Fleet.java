package io.cachet.internal.fleet;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.Sha256;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The miss path beyond this host, run by the holder of the key's file lock once the store came up
 * empty (docs/architecture.md, "Fleet"):
 *
 * <pre>
 * which digest: the request's pin, else the fleet's record of the key in the tier
 *   └▶ the tier holds it ─▶ read it like an origin, verified ─▶ commit ─▶ TIER
 *   └▶ cluster lease ── held elsewhere ─▶ wait (release notice, or poll with backoff; report the holder)
 *        └▶ granted ─▶ digest and tier again ── there ─▶ release ─▶ read, verified ─▶ commit ─▶ WAITED/TIER
 *                    └▶ origin (the lease renewed on the timer, carrying progress) ─▶ commit
 *                         ─▶ upload ─▶ record the key (unpinned, lease still held) ─▶ release
 * </pre>
 *
 * <p>Only downloads are saved here, nothing is decided: whatever comes from the tier is verified
 * against the digest it is filed under, and a missing, truncated or corrupt copy, a tier or a
 * cluster that fails, or a lease lost midway each fall back to what one host does (the origin),
 * with one warning. A cluster lease is never needed to finish a download.
 *
 * <p>Unpinned keys: the first host to download records which digest the key names, in the tier,
 * and every host then reads that digest. With a cluster the record is written only while its lease
 * is held (S3-compatible servers that ignore conditional writes cannot settle a race); without one,
 * the tier's conditional write settles it. A host that finds another record standing after its own
 * download reads that one instead, so the fleet agrees.
 */
public final class Fleet {
    /** The most a call to the tier may take (or the idle timeout, if shorter). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    /**
     * A backstop for a call to the cluster, whose client bounds its own calls (Lettuce: 2 s to
     * connect, 2 s a command). Longer than the tier's: a process's first call also sets up the
     * client, which took more than 10 s on a busy 2-core machine running four hosts, and giving up
     * then costs every artifact of the outage a second download.
     */
    static final Duration CLUSTER_CALL_TIMEOUT = Duration.ofSeconds(30);

    final Tier tier;
    final @Nullable Leases leases;
    final Download.Context downloads;

    private Fleet(Tier tier, @Nullable Leases leases, Download.Context downloads) {
        this.tier = tier;
        this.leases = leases;
        this.downloads = downloads;
    }

    /**
     * The fleet stage of a cache.
     *
     * @param cluster the cluster, or null for a tier alone
     * @param leaseTtl how long a lease outlives a holder that stops renewing it
     */
    public static Fleet of(
            BlobTier tier,
            @Nullable Cluster cluster,
            Duration leaseTtl,
            Download.Context downloads,
            DoubleSupplier random) {
        Duration calls = downloads.idleTimeout().compareTo(CALL_TIMEOUT) < 0 ? downloads.idleTimeout() : CALL_TIMEOUT;
        Leases leases =
                cluster == null ? null : new Leases(cluster, leaseTtl, CLUSTER_CALL_TIMEOUT, downloads.timer(), random);
        return new Fleet(new Tier(tier, downloads, calls), leases, downloads);
    }

    /**
     * Fetches {@code request} through the fleet: from the tier, or from {@code sources} (the origin)
     * while holding the cluster's lease, committing locally with {@code commit} before sharing.
     *
     * <ul>
     *   <li>The caller holds the key's file lock throughout.
     *   <li>{@code commit} makes a verified part the key's blob and returns the blob's path; it may
     *       be called twice when another host's record of an unpinned key wins.
     *   <li>Errors are the origin's download's, or a storage failure; never the tier's or the
     *       cluster's.
     * </ul>
     */
    public Mono<Fetched> fetch(
            FetchRequest request,
            KeyId id,
            List<Download.Source> sources,
            Function<Download.Verified, Mono<Path>> commit) {
        return Mono.defer(() -> new FleetFetch(this, request, id, sources, commit).run());
    }

    /**
     * What a fetch through the fleet ended with: a committed blob, and how it got here.
     *
     * @param source {@code TIER}, {@code WAITED} (another host downloaded it while this one waited),
     *     {@code DOWNLOADED} or {@code RESUMED}
     */
    public record Fetched(Path blob, Sha256 sha256, long size, Artifact.Source source) {}
}
