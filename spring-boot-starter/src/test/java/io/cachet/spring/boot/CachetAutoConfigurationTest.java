package io.cachet.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheClosedException;
import io.cachet.FetchRequest;
import io.cachet.IntegrityException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.TestAccess;
import io.cachet.micrometer.CachetMetrics;
import io.cachet.reactor.NettyOrigin;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.Response;
import io.cachet.spi.Origin;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.unit.DataSize;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/** The auto-configuration in application contexts of every shape a user's can have. */
@Timeout(60)
class CachetAutoConfigurationTest {
    private static final byte[] BODY = bytes(200_000);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path dir;

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CachetAutoConfiguration.class));

    private String root() {
        return "cachet.root=" + dir.resolve("cache");
    }

    // ---- the cache and its properties ------------------------------------------------------------

    @Test
    void theCacheLivesInCachetRootAndFetchesOverHttp() {
        server.serve("/model.bin", BODY);
        runner.withPropertyValues(root()).run(context -> {
            Cache cache = context.getBean(Cache.class);

            Artifact artifact =
                    cache.fetch(FetchRequest.of(server.url("/model.bin"))).block(Duration.ofSeconds(30));

            assertThat(cache.root()).isEqualTo(dir.resolve("cache").toRealPath());
            assertThat(artifact.path()).startsWith(cache.root()).hasBinaryContent(BODY);
            assertThat(context).hasSingleBean(Origin.class).hasBean(CachetAutoConfiguration.HTTP_ORIGIN);
        });
    }

    @Test
    void thePropertiesReachTheCache() {
        server.enqueue(Response.status(503));
        server.enqueue(Response.ok(bytes(2048)));
        runner.withPropertyValues(root(), "cachet.retry.max-retries=0", "cachet.max-artifact-size=1KB")
                .run(context -> {
                    Cache cache = context.getBean(Cache.class);

                    assertThatThrownBy(() -> cache.fetch(FetchRequest.of(server.url("/a")))
                                    .block(Duration.ofSeconds(30)))
                            .isInstanceOf(OriginException.class)
                            .hasMessageContaining("after 1 attempt");
                    assertThatThrownBy(() -> cache.fetch(FetchRequest.of(server.url("/b")))
                                    .block(Duration.ofSeconds(30)))
                            .isInstanceOfSatisfying(
                                    IntegrityException.class,
                                    e -> assertThat(e.kind()).isEqualTo(IntegrityException.Kind.TOO_LARGE));
                });
    }

    @Test
    void anOfflineCacheFailsAMissAtOnceWithoutAskingTheOrigin() {
        server.serve("/model.bin", BODY);
        runner.withPropertyValues(root(), "cachet.offline=true").run(context -> {
            Cache cache = context.getBean(Cache.class);

            assertThatThrownBy(() -> cache.fetch(FetchRequest.of(server.url("/model.bin")))
                            .block(Duration.ofSeconds(30)))
                    .isInstanceOf(OfflineException.class)
                    .hasMessageContaining("offline");
            assertThat(server.requests()).isEmpty();
        });
    }

    @Test
    void theMostConnectionsPerDownloadReachTheCache() {
        CachetProperties properties = new CachetProperties();
        properties.setRoot(dir);
        properties.setConnections(4);

        assertThat(TestAccess.settings(CachetAutoConfiguration.builder(properties)))
                .isEqualTo(TestAccess.settings(Cache.builder().root(dir).connections(4)));
        assertThat(TestAccess.settings(CachetAutoConfiguration.builder(properties)))
                .isNotEqualTo(TestAccess.settings(Cache.builder().root(dir)));
    }

    @Test
    void theSizeCapAndTheEvictionMinimumAgeReachTheCache() {
        CachetProperties properties = new CachetProperties();
        properties.setRoot(dir);
        properties.setMaxSize(DataSize.ofGigabytes(50));
        properties.setEvictionMinAge(Duration.ofMinutes(3));

        assertThat(TestAccess.settings(CachetAutoConfiguration.builder(properties)))
                .isEqualTo(TestAccess.settings(Cache.builder()
                        .root(dir)
                        .maxSize(50L * 1024 * 1024 * 1024)
                        .evictionMinAge(Duration.ofMinutes(3))));
    }

    @Test
    void everyPropertyDefaultsToWhatTheCacheBuilderDefaultsTo() {
        CachetProperties properties = new CachetProperties();
        properties.setRoot(dir);

        assertThat(TestAccess.settings(CachetAutoConfiguration.builder(properties)))
                .isEqualTo(TestAccess.settings(Cache.builder().root(dir)));
    }

    @Test
    void withoutARootTheApplicationFailsToStartSayingWhatToSet() {
        runner.run(context -> assertThat(context)
                .hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("cachet.root")
                .hasMessageContaining("set cachet.root, for example cachet.root=/var/cache/models"));
    }

    @Test
    void theCacheIsClosedWithTheContext() {
        Cache[] kept = new Cache[1];
        runner.withPropertyValues(root()).run(context -> kept[0] = context.getBean(Cache.class));

        assertThatThrownBy(
                        () -> kept[0].fetch(FetchRequest.of(server.url("/x"))).block(Duration.ofSeconds(10)))
                .isInstanceOf(CacheClosedException.class)
                .hasMessageContaining("was closed");
    }

    // ---- the application's own reactor-netty resources -----------------------------------------------

    @Test
    void theHttpOriginUsesTheApplicationsReactorResourceFactoryAndItsEventLoops() {
        server.serve("/m", BODY);
        runner.withPropertyValues(root())
                .withUserConfiguration(OwnResources.class)
                .run(context -> {
                    assertThat(threadsNamed("app-loops-")).isZero();

                    context.getBean(Cache.class)
                            .fetch(FetchRequest.of(server.url("/m")))
                            .block(Duration.ofSeconds(30));

                    assertThat(threadsNamed("app-loops-"))
                            .as("the application's event loops")
                            .isPositive();
                    assertThat(context.getBean(Origin.class)).isInstanceOf(ResourceFactoryOrigin.class);
                });
    }

    @Test
    void anHttpClientBeanIsUsedAsItIs() {
        server.serve("/m", BODY);
        runner.withPropertyValues(root()).withUserConfiguration(OwnClient.class).run(context -> {
            context.getBean(Cache.class)
                    .fetch(FetchRequest.of(server.url("/m")))
                    .block(Duration.ofSeconds(30));

            assertThat(threadsNamed("client-loops-")).isPositive();
            assertThat(context.getBean(Origin.class)).isInstanceOf(NettyOrigin.class);
        });
    }

    // ---- what the application adds or replaces ---------------------------------------------------

    @Test
    void otherOriginBeansAndCustomizersAreApplied() throws Exception {
        Path file = Files.write(dir.resolve("local.bin"), BODY);
        runner.withPropertyValues(root())
                .withBean("files", Origin.class, Origin::files)
                .withBean(CachetBuilderCustomizer.class, () -> builder -> builder.maxArtifactSize(1000))
                .run(context -> {
                    Cache cache = context.getBean(Cache.class);

                    assertThatThrownBy(() ->
                                    cache.fetch(FetchRequest.of(file.toUri())).block(Duration.ofSeconds(30)))
                            .as("a file: URI is served (by the files origin) and the customizer's limit holds")
                            .isInstanceOf(IntegrityException.class);
                });
    }

    @Test
    void everyBeanBacksOffWhenTheApplicationDefinesItsOwn() {
        runner.withPropertyValues(root())
                .withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .withUserConfiguration(OwnBeans.class)
                .run(context -> {
                    assertThat(context).hasSingleBean(Cache.class).hasBean("ownCache");
                    assertThat(context).hasSingleBean(NettyOrigin.class).doesNotHaveBean("cachetHttpOrigin");
                    assertThat(context).hasSingleBean(CachetMetrics.class).hasBean("ownMetrics");
                    assertThat(context.getBean("cachetHealthIndicator")).isNotInstanceOf(CachetHealthIndicator.class);
                });
    }

    // ---- metrics ---------------------------------------------------------------------------------

    @Test
    void theMetricsAreBoundWhenTheApplicationHasAMeterRegistry() {
        server.serve("/m", BODY);
        runner.withPropertyValues(root())
                .withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    context.getBean(Cache.class)
                            .fetch(FetchRequest.of(server.url("/m")))
                            .block(Duration.ofSeconds(30));

                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("cachet.fetches")
                                    .tag("source", "downloaded")
                                    .counter()
                                    .count())
                            .isEqualTo(1);
                    assertThat(registry.get("cachet.download.bytes").counter().count())
                            .isEqualTo(BODY.length);
                });
    }

    @Test
    void noMetricsWithoutAMeterRegistryOrWithoutMicrometer() {
        runner.withPropertyValues(root())
                .run(context -> assertThat(context).hasSingleBean(Cache.class).doesNotHaveBean(CachetMetrics.class));
        runner.withPropertyValues(root())
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).hasSingleBean(Cache.class).doesNotHaveBean(CachetMetrics.class));
    }

    // ---- health ----------------------------------------------------------------------------------

    @Test
    void theHealthIsUpWithTheDirectoryAndItsFreeSpace() {
        runner.withPropertyValues(root()).run(context -> {
            Health health = context.getBean(CachetHealthIndicator.class).health(true);

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails())
                    .containsEntry("root", dir.resolve("cache").toRealPath().toString())
                    .containsEntry("writable", true)
                    .containsEntry("threshold", 100L * 1024 * 1024)
                    .containsKey("free");
        });
    }

    @Test
    void theHealthIsDownBelowTheFreeSpaceThresholdOrWithoutTheDirectory() {
        runner.withPropertyValues(root(), "cachet.health.min-free-space=100000TB")
                .run(context -> {
                    Health health = context.getBean(CachetHealthIndicator.class).health(true);

                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails().get("error"))
                            .asString()
                            .contains("free, less than cachet.health.min-free-space");
                });
        runner.withPropertyValues(root()).run(context -> {
            io.cachet.testing.FileTree.deleteRecursively(dir.resolve("cache"));

            Health health = context.getBean(CachetHealthIndicator.class).health(true);

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("error", "the cache directory is missing");
        });
    }

    @Test
    void noHealthIndicatorWhenDisabledOrWithoutActuatorsHealthSupport() {
        runner.withPropertyValues(root(), "management.health.cachet.enabled=false")
                .run(context ->
                        assertThat(context).hasSingleBean(Cache.class).doesNotHaveBean(CachetHealthIndicator.class));
        runner.withPropertyValues(root())
                .withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(context ->
                        assertThat(context).hasSingleBean(Cache.class).doesNotHaveBean("cachetHealthIndicator"));
    }

    // ---- fixtures --------------------------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    static class OwnResources {
        @Bean
        ReactorResourceFactory reactorResourceFactory() {
            ReactorResourceFactory factory = new ReactorResourceFactory();
            factory.setUseGlobalResources(false);
            factory.setLoopResourcesSupplier(() -> LoopResources.create("app-loops", 1, true));
            factory.setConnectionProviderSupplier(() -> ConnectionProvider.create("app-pool", 8));
            factory.setShutdownQuietPeriod(Duration.ZERO);
            return factory;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean(destroyMethod = "dispose")
        LoopResources clientLoops() {
            return LoopResources.create("client-loops", 1, true);
        }

        @Bean(destroyMethod = "dispose")
        ConnectionProvider clientPool() {
            return ConnectionProvider.create("client-pool", 8);
        }

        @Bean
        HttpClient httpClient(ConnectionProvider clientPool, LoopResources clientLoops) {
            return HttpClient.create(clientPool).runOn(clientLoops);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBeans {
        @Bean(destroyMethod = "close")
        Cache ownCache(org.springframework.core.env.Environment environment) {
            return Cache.builder()
                    .root(Path.of(environment.getRequiredProperty("cachet.root")))
                    .build();
        }

        @Bean
        NettyOrigin ownOrigin() {
            return NettyOrigin.create();
        }

        @Bean(destroyMethod = "close")
        CachetMetrics ownMetrics(Cache cache) {
            return new CachetMetrics(cache);
        }

        @Bean
        org.springframework.boot.health.contributor.HealthIndicator cachetHealthIndicator() {
            return () -> Health.up().build();
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .count();
    }

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
