package io.cachet.spring.boot;

import io.cachet.Sha256;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Text;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.AbstractReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import reactor.core.publisher.Mono;

/**
 * Whether the fleet's shared services answer: UP while the tier (and the cluster, if any) answer
 * within the timeout, else DOWN naming which and why. A fleet that is down never fails a fetch the
 * origin can serve (each host then downloads for itself), so DOWN here means "downloads are not
 * shared", not "the cache is broken": leave it out of a readiness group if replicas should keep
 * serving meanwhile. Each check is one cheap request (a HEAD of an object that does not exist, a
 * Redis PING), made without blocking a thread.
 */
public class CachetFleetHealthIndicator extends AbstractReactiveHealthIndicator {
    /** A digest no artifact has: looking it up changes nothing. */
    private static final Sha256 PROBE = Sha256.parse("0".repeat(64));

    private final BlobTier tier;
    private final @Nullable Cluster cluster;
    private final Duration timeout;

    /** The health of {@code tier} and {@code cluster} (null for none), each given {@code timeout} to answer. */
    public CachetFleetHealthIndicator(BlobTier tier, @Nullable Cluster cluster, Duration timeout) {
        super("Cachet fleet health check failed");
        this.tier = tier;
        this.cluster = cluster;
        this.timeout = timeout;
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        Mono<Optional<String>> tierProblem = problem(tier.find(PROBE).then());
        Mono<Optional<String>> clusterProblem = cluster == null ? Mono.just(Optional.empty()) : problem(cluster.ping());
        return Mono.zip(tierProblem, clusterProblem).map(problems -> {
            builder.withDetail("tier", tier.toString())
                    .withDetail("tierReachable", problems.getT1().isEmpty());
            if (cluster != null) {
                builder.withDetail("cluster", cluster.toString())
                        .withDetail("clusterReachable", problems.getT2().isEmpty());
            }
            if (problems.getT1().isEmpty() && problems.getT2().isEmpty()) {
                return builder.up().build();
            }
            StringBuilder error = new StringBuilder();
            problems.getT1()
                    .ifPresent(p -> error.append("the tier does not answer: ").append(p));
            problems.getT2()
                    .ifPresent(p -> error.append(error.isEmpty() ? "" : "; ")
                            .append("the cluster does not answer: ")
                            .append(p));
            return builder.down()
                    .withDetail(
                            "error",
                            error + " (fetches still succeed: each host downloads from the origin itself meanwhile)")
                    .build();
        });
    }

    private Mono<Optional<String>> problem(Mono<Void> check) {
        return check.timeout(timeout)
                .then(Mono.just(Optional.<String>empty()))
                .onErrorResume(e -> Mono.just(Optional.of(
                        e instanceof TimeoutException
                                ? "no answer within " + Text.duration(timeout)
                                : String.valueOf(e.getMessage()))));
    }
}
