package io.cachet.spring.boot;

import io.cachet.Cache;
import io.cachet.RetryPolicy;
import io.cachet.micrometer.CachetMetrics;
import io.cachet.reactor.NettyOrigin;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Cluster;
import io.cachet.spi.Origin;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.util.unit.DataSize;
import reactor.netty.http.client.HttpClient;

/**
 * A {@link Cache} from the {@code cachet.*} properties ({@link CachetProperties}), with:
 *
 * <ul>
 *   <li>the HTTP origin on the application's own reactor-netty resources: an {@link HttpClient}
 *       bean if there is one, else the {@link ReactorResourceFactory} its web server and WebClient
 *       use, else reactor-netty's shared resources (which Spring Boot's own default is too), so no
 *       second connection pool or event-loop group is created;
 *   <li>every other {@link Origin} bean, and every {@link CachetBuilderCustomizer};
 *   <li>{@link CachetMetrics} when the application has a {@link MeterRegistry};
 *   <li>{@link CachetHealthIndicator} when it has actuator's health support
 *       ({@code management.health.cachet.enabled} turns it off);
 *   <li>with {@code cachet.fleet.tier} (and {@code cachet.fleet.cluster}): the fleet's S3 tier and
 *       Redis cluster, given to the cache, and {@link CachetFleetHealthIndicator}.
 * </ul>
 *
 * <p>The cache is closed when the context closes. Each bean backs off when the application defines
 * its own: a {@code Cache}, a {@code NettyOrigin} (or a bean named {@code cachetHttpOrigin}), a
 * {@code CachetMetrics}, a bean named {@code cachetHealthIndicator}, a {@code BlobTier}, a {@code
 * Cluster}, a bean named {@code cachetFleetHealthIndicator}.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(Cache.class)
@EnableConfigurationProperties(CachetProperties.class)
public class CachetAutoConfiguration {
    static final String HTTP_ORIGIN = "cachetHttpOrigin";
    private static final String RESOURCE_FACTORY = "org.springframework.http.client.ReactorResourceFactory";

    /** Creates the auto-configuration; Spring Boot does. */
    public CachetAutoConfiguration() {}

    /**
     * The cache, closed with the context.
     *
     * @throws InvalidConfigurationPropertyValueException if {@code cachet.root} is not set
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Cache cachetCache(
            CachetProperties properties,
            ObjectProvider<Origin> origins,
            ObjectProvider<BlobTier> tiers,
            ObjectProvider<Cluster> clusters,
            ObjectProvider<CachetBuilderCustomizer> customizers) {
        Cache.Builder builder = builder(properties);
        origins.orderedStream().forEach(builder::origin);
        tiers.ifUnique(builder::tier);
        clusters.ifUnique(
                cluster -> builder.cluster(cluster, properties.getFleet().getLeaseTtl()));
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /** The builder the properties describe. Adding a property is a field there and a line here. */
    static Cache.Builder builder(CachetProperties properties) {
        Path root = properties.getRoot();
        if (root == null) {
            throw new InvalidConfigurationPropertyValueException(
                    "cachet.root",
                    null,
                    "Cachet needs a cache directory: set cachet.root, for example cachet.root=/var/cache/models");
        }
        FleetClients.checkClusterHasTier(properties.getFleet());
        Cache.Builder builder = Cache.builder().root(root);
        PropertyMapper map = PropertyMapper.get();
        map.from(properties::getIdleTimeout).to(builder::idleTimeout);
        map.from(properties::getLockTimeout).to(builder::lockTimeout);
        map.from(properties::getMaxArtifactSize).as(size -> size.toBytes()).to(builder::maxArtifactSize);
        map.from(properties::isSharedWithGroup).to(builder::sharedWithGroup);
        map.from(properties::getWriteBufferSize)
                .as(size -> Math.toIntExact(size.toBytes()))
                .to(builder::writeBufferSize);
        map.from(properties::getConnections).to(builder::connections);
        map.from(properties::isOffline).to(builder::offline);
        map.from(properties::getMaxSize).as(DataSize::toBytes).to(builder::maxSize);
        map.from(properties::getEvictionMinAge).to(builder::evictionMinAge);
        builder.minThroughput(properties.getMinThroughput().toBytes(), properties.getThroughputWindow());
        CachetProperties.Retry retry = properties.getRetry();
        builder.retry(new RetryPolicy(
                retry.getMaxRetries(),
                retry.getFirstBackoff(),
                retry.getMaxBackoff(),
                retry.getJitter(),
                retry.getMaxRetryAfter()));
        return builder;
    }

    /** The HTTP origin's settings from {@code cachet.http.*}, on {@code builder}. */
    static NettyOrigin origin(NettyOrigin.Builder builder, CachetProperties.Http http) {
        NettyOrigin.Builder b = builder.connectTimeout(http.getConnectTimeout())
                .responseHeaderTimeout(http.getResponseHeaderTimeout())
                .maxRedirects(http.getMaxRedirects())
                .http2(http.isHttp2());
        if (http.getProxy() != null) {
            b = b.proxy(http.getProxy(), http.getNoProxy());
        }
        return b.build();
    }

    /** The HTTP origin on the application's client or resource factory (Spring's web support present). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = RESOURCE_FACTORY)
    static class ApplicationResourcesOrigin {
        @Bean(HTTP_ORIGIN)
        @ConditionalOnMissingBean(value = NettyOrigin.class, name = HTTP_ORIGIN)
        Origin cachetHttpOrigin(
                CachetProperties properties,
                ObjectProvider<HttpClient> clients,
                ObjectProvider<ReactorResourceFactory> factories) {
            HttpClient client = clients.getIfUnique();
            if (client != null) {
                return origin(NettyOrigin.builder(client), properties.getHttp());
            }
            ReactorResourceFactory factory = factories.getIfUnique();
            if (factory != null) {
                return new ResourceFactoryOrigin(
                        factory, httpClient -> origin(NettyOrigin.builder(httpClient), properties.getHttp()));
            }
            return origin(NettyOrigin.builder(), properties.getHttp());
        }
    }

    /** The HTTP origin on the application's client, or reactor-netty's shared resources. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass(RESOURCE_FACTORY)
    static class ClientOrigin {
        @Bean(HTTP_ORIGIN)
        @ConditionalOnMissingBean(value = NettyOrigin.class, name = HTTP_ORIGIN)
        Origin cachetHttpOrigin(CachetProperties properties, ObjectProvider<HttpClient> clients) {
            HttpClient client = clients.getIfUnique();
            return origin(client != null ? NettyOrigin.builder(client) : NettyOrigin.builder(), properties.getHttp());
        }
    }

    /**
     * The fleet's tier and cluster from {@code cachet.fleet.*}, closed after the cache; each backs
     * off when the application defines its own {@link BlobTier} or {@link Cluster}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "cachet.fleet", name = "tier")
    static class Fleet {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        BlobTier cachetTier(CachetProperties properties, ApplicationContext context) {
            return FleetClients.tier(properties.getFleet(), context.getClassLoader());
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnProperty(prefix = "cachet.fleet", name = "cluster")
        Cluster cachetCluster(CachetProperties properties, ApplicationContext context) {
            return FleetClients.cluster(properties.getFleet(), context.getClassLoader());
        }
    }

    /** Micrometer meters, when the application has a registry (Spring Boot binds them to it). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, CachetMetrics.class})
    @ConditionalOnBean(MeterRegistry.class)
    static class Metrics {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        CachetMetrics cachetMetrics(Cache cache, CachetProperties properties) {
            return CachetMetrics.builder(cache)
                    .storeRescanInterval(properties.getMetrics().getStoreRescanInterval())
                    .build();
        }
    }

    /**
     * The health indicator, when the application has actuator's health support. The condition on
     * the indicator being enabled is on a nested class: its annotation's classes exist only when that
     * support does, and a nested class is not read unless the class around it applies.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class HealthConfiguration {
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnEnabledHealthIndicator("cachet")
        static class Enabled {
            @Bean
            @ConditionalOnMissingBean(name = "cachetHealthIndicator")
            CachetHealthIndicator cachetHealthIndicator(Cache cache, CachetProperties properties) {
                return new CachetHealthIndicator(cache, properties.getHealth().getMinFreeSpace());
            }

            @Bean
            @ConditionalOnProperty(prefix = "cachet.fleet", name = "tier")
            @ConditionalOnMissingBean(name = "cachetFleetHealthIndicator")
            CachetFleetHealthIndicator cachetFleetHealthIndicator(
                    BlobTier tier, ObjectProvider<Cluster> clusters, CachetProperties properties) {
                return new CachetFleetHealthIndicator(
                        tier, clusters.getIfUnique(), properties.getFleet().getHealthTimeout());
            }
        }
    }
}
