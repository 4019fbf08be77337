package io.cachet.internal.fleet;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.internal.digest.Digests;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.fleet.Fleet.Fetched;
import io.cachet.internal.store.Store.KeyId;
import io.cachet.spi.BlobTier;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/** One request's way through the {@link Fleet}, as its class comment draws it. */
final class FleetFetch {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    private final Fleet fleet;
    private final Tier tier;
    private final FetchRequest request;
    private final KeyId id;
    private final List<Download.Source> sources;
    private final Function<Download.Verified, Mono<Path>> commit;
    private final String recordId;
    // Copies the tier could not serve this fetch; not tried again under the lease. Touched by this
    // fetch's steps, one after another.
    private final Set<Sha256> failed = new HashSet<>();

    FleetFetch(
            Fleet fleet,
            FetchRequest request,
            KeyId id,
            List<Download.Source> sources,
            Function<Download.Verified, Mono<Path>> commit) {
        this.fleet = fleet;
        this.tier = fleet.tier;
        this.request = request;
        this.id = id;
        this.sources = sources;
        this.commit = commit;
        // The key and where its bytes come from: a key naming another URL's bytes is another record.
        this.recordId =
                Digests.hex(request.key().value() + "\n" + Key.of(request.uri()).value());
    }

    /** The digest to look for, and its size if known. */
    private record Target(Sha256 sha256, long size) {}

    Mono<Fetched> run() {
        return target().flatMap(t -> fromTier(t, false, Mono.empty())).switchIfEmpty(Mono.defer(this::leased));
    }

    /** The request's pin, else the fleet's record of the key (unless it contradicts the request's size). */
    private Mono<Target> target() {
        Sha256 pin = request.sha256();
        if (pin != null) {
            return Mono.just(new Target(pin, request.size()));
        }
        return tier.record(recordId).filter(this::fits).map(r -> new Target(r.sha256(), r.size()));
    }

    private boolean fits(BlobTier.KeyRecord record) {
        return request.size() < 0 || record.size() == request.size();
    }

    /** Reads {@code t} from the tier (after {@code before}) and commits it; empty if the tier cannot serve it. */
    private Mono<Fetched> fromTier(Target t, boolean waited, Mono<Void> before) {
        if (failed.contains(t.sha256())) {
            return Mono.empty();
        }
        return tier.find(t.sha256())
                .filter(size -> {
                    if (t.size() >= 0 && size != t.size()) {
                        tier.corrupt(t.sha256(), tier.locate(t.sha256()), "it has " + size + " bytes, not " + t.size());
                        failed.add(t.sha256());
                        return false;
                    }
                    return true;
                })
                .flatMap(size -> before.then(tier.read(request, id, t.sha256(), size))
                        .switchIfEmpty(Mono.fromRunnable(() -> failed.add(t.sha256()))))
                .flatMap(part -> commit.apply(part)
                        .map(blob -> new Fetched(
                                blob,
                                part.sha256(),
                                part.size(),
                                waited ? Artifact.Source.WAITED : Artifact.Source.TIER)));
    }

    /** The origin, under the cluster's lease when there is a cluster that answers. */
    private Mono<Fetched> leased() {
        Leases leases = fleet.leases;
        if (leases == null || !leases.usable() || !tier.usable()) {
            return fromOrigin(null);
        }
        WaitReport report = new WaitReport(request.key(), fleet.downloads.events());
        return leases.acquire(leaseName(), report)
                .flatMap(held -> Mono.usingWhen(
                        Mono.just(held), this::underLease, Held::release, (h, e) -> h.release(), Held::release))
                .switchIfEmpty(Mono.defer(() -> fromOrigin(null)));
    }

    /** Pinned artifacts are leased by digest (one download for every key naming it), others by key. */
    private String leaseName() {
        Sha256 pin = request.sha256();
        return pin != null ? "sha256:" + pin.hex() : "key:" + recordId;
    }

    private Mono<Fetched> underLease(Held held) {
        return target().flatMap(t -> fromTier(t, held.waited(), held.release()))
                .switchIfEmpty(Mono.defer(() -> fromOrigin(held.released() ? null : held)));
    }

    /** Downloads from the origin and commits, then shares the blob (and the key's record) through the tier. */
    private Mono<Fetched> fromOrigin(@Nullable Held held) {
        return Mono.defer(() -> {
            Progress progress = new Progress(fleet.downloads.events());
            Disposable renewal =
                    held == null ? Disposables.disposed() : held.renewing(progress::bytes, progress::total);
            Download.Context ctx = fleet.downloads.with(fleet.downloads.retryPolicy(), progress);
            return Download.run(ctx, request, id, sources)
                    .flatMap(part -> commit.apply(part)
                            .map(blob -> new Fetched(
                                    blob,
                                    part.sha256(),
                                    part.size(),
                                    part.resumed() ? Artifact.Source.RESUMED : Artifact.Source.DOWNLOADED)))
                    .flatMap(mine -> share(mine, held))
                    .doFinally(signal -> renewal.dispose());
        });
    }

    /**
     * Uploads the blob; for an unpinned key, records it too, only while the lease is still held (or
     * with no cluster at all), else reads what stands; another record standing wins.
     */
    private Mono<Fetched> share(Fetched mine, @Nullable Held held) {
        Mono<Boolean> uploaded = tier.upload(mine.sha256(), mine.blob(), mine.size());
        return uploaded.flatMap(ok -> {
            if (request.sha256() != null) {
                return Mono.just(mine);
            }
            boolean mayRecord = ok && (fleet.leases == null || (held != null && !held.lost()));
            Mono<BlobTier.KeyRecord> standing = mayRecord
                    ? tier.recordIfAbsent(recordId, new BlobTier.KeyRecord(mine.sha256(), mine.size()))
                    : tier.record(recordId);
            return standing.flatMap(s -> s.sha256().equals(mine.sha256()) ? Mono.just(mine) : adopt(s, mine))
                    .defaultIfEmpty(mine);
        });
    }

    /** Another host recorded the key first, naming other bytes: take those, as every other host will. */
    private Mono<Fetched> adopt(BlobTier.KeyRecord standing, Fetched mine) {
        Mono<Fetched> theirs = fits(standing)
                ? fromTier(new Target(standing.sha256(), standing.size()), false, Mono.empty())
                : Mono.empty();
        return theirs.switchIfEmpty(Mono.fromSupplier(() -> {
            log.warn(
                    "The fleet records that {} names sha256 {}, which the tier cannot serve; this host keeps sha256 {},"
                            + " what the origin served it. Pin the digest to make every host agree.",
                    request.key(),
                    standing.sha256(),
                    mine.sha256());
            return mine;
        }));
    }

    /** The download's progress, for the lease's holder record; every event is passed on. */
    private static final class Progress implements Consumer<CacheEvent> {
        private final Consumer<CacheEvent> next;
        private volatile long bytes = -1;
        private volatile long total = -1;

        Progress(Consumer<CacheEvent> next) {
            this.next = next;
        }

        @Override
        public void accept(CacheEvent event) {
            if (event instanceof CacheEvent.Started s) {
                bytes = s.offset();
                total = s.expectedSize();
            } else if (event instanceof CacheEvent.Progress p && !p.remote()) {
                bytes = p.bytes();
                total = p.total();
            }
            next.accept(event);
        }

        long bytes() {
            return bytes;
        }

        long total() {
            return total;
        }
    }
}
