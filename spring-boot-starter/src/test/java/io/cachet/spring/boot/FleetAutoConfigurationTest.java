package io.cachet.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.redis.testing.RedisServer;
import io.cachet.s3.testing.S3Server;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.testing.Bytes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code cachet.fleet.*} against a real redis-server and a real S3-compatible server (s3proxy): two
 * application contexts with their own cache directories are two replicas of a service.
 */
@Timeout(120)
class FleetAutoConfigurationTest {
    private static final byte[] BODY = Bytes.random(300_000, 7);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final S3Server s3 = new S3Server();

    @RegisterExtension
    final RedisServer redis = new RedisServer();

    @RegisterExtension
    final FaultyServer origin = new FaultyServer();

    @TempDir
    Path dir;

    private String bucket;

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CachetAutoConfiguration.class));

    @BeforeEach
    void newBucket() {
        bucket = s3.newBucket();
    }

    private String[] fleet(String replica) {
        return new String[] {
            "cachet.root=" + dir.resolve(replica),
            "cachet.fleet.tier=s3://" + bucket + "/fleet",
            "cachet.fleet.cluster=" + redis.uri(),
            "cachet.fleet.s3.endpoint=" + s3.endpoint(),
            "cachet.fleet.s3.access-key-id=" + S3Server.ACCESS_KEY,
            "cachet.fleet.s3.secret-access-key=" + S3Server.SECRET_KEY
        };
    }

    @Test
    void twoReplicasMakeOneOriginDownloadTheSecondReadsTheTier() {
        origin.serve("/model.bin", BODY);
        FetchRequest request = FetchRequest.of(origin.url("/model.bin")).withSha256(Bytes.sha256(BODY));

        runner.withPropertyValues(fleet("a")).run(a -> {
            Artifact first = a.getBean(Cache.class).fetch(request).block(WAIT);
            assertThat(first.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        });
        runner.withPropertyValues(fleet("b")).run(b -> {
            Artifact second = b.getBean(Cache.class).fetch(request).block(WAIT);

            assertThat(second.source()).isEqualTo(Artifact.Source.TIER);
            assertThat(second.path()).startsWith(dir.resolve("b").toRealPath()).hasBinaryContent(BODY);
        });
        assertThat(origin.requestCount()).as("origin requests").isEqualTo(1);
        assertThat(s3.keys(bucket))
                .contains("fleet/sha256/" + Bytes.sha256(BODY).hex());
    }

    @Test
    void theFleetsHealthIsUpWhileBothAnswerAndDownNamingRedisWhenItDoesNot() {
        runner.withPropertyValues(fleet("a")).run(context -> {
            CachetFleetHealthIndicator indicator = context.getBean(CachetFleetHealthIndicator.class);
            assertThat(context).hasBean("cachetFleetHealthIndicator");

            Health up = indicator.health(true).block(WAIT);
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("tierReachable", true).containsEntry("clusterReachable", true);

            redis.kill();

            Health down = indicator.health(true).block(WAIT);
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("tierReachable", true).containsEntry("clusterReachable", false);
            assertThat(down.getDetails().get("error"))
                    .asString()
                    .contains("the cluster does not answer", "check that redis-server is running")
                    .contains("fetches still succeed");
        });
    }

    @Test
    void aTierThatDoesNotAnswerInTimeIsDownSayingSo() {
        s3.proxy().stallAll();
        try {
            runner.withPropertyValues(fleet("a"))
                    .withPropertyValues("cachet.fleet.health-timeout=300ms")
                    .run(context -> {
                        Health down = context.getBean(CachetFleetHealthIndicator.class)
                                .health(true)
                                .block(WAIT);

                        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(down.getDetails().get("error"))
                                .asString()
                                .contains("the tier does not answer: no answer within 300ms");
                    });
        } finally {
            s3.proxy().reset();
        }
    }

    @Test
    void withoutFleetPropertiesThereIsNoTierClusterOrFleetHealth() {
        runner.withPropertyValues("cachet.root=" + dir.resolve("a"))
                .run(context -> assertThat(context)
                        .hasSingleBean(Cache.class)
                        .doesNotHaveBean(BlobTier.class)
                        .doesNotHaveBean(Cluster.class)
                        .doesNotHaveBean(CachetFleetHealthIndicator.class));
    }

    @Test
    void aTierWithoutCachetS3OnTheClassPathFailsSayingWhichDependencyToAdd() {
        runner.withPropertyValues(fleet("a"))
                .withClassLoader(new FilteredClassLoader("io.cachet.s3."))
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                        .hasMessageContaining("cachet.fleet.tier")
                        .hasMessageContaining("add the dependency io.cachet:cachet-s3"));
    }

    @Test
    void badFleetPropertiesFailTheStartSayingWhatToWrite() {
        List<String[]> cases = List.of(
                new String[] {"cachet.fleet.tier=https://bucket/prefix", "write s3://BUCKET/PREFIX"},
                new String[] {"cachet.fleet.s3.access-key-id=only-the-id", "set both cachet.fleet.s3.access-key-id"});
        for (String[] c : cases) {
            runner.withPropertyValues("cachet.root=" + dir.resolve("a"), "cachet.fleet.tier=s3://" + bucket + "/f")
                    .withPropertyValues(c[0])
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining(c[1]));
        }
        runner.withPropertyValues("cachet.root=" + dir.resolve("a"), "cachet.fleet.cluster=redis://:secret@host:6379")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("set cachet.fleet.tier too")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret")));
    }
}
