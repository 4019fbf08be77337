package io.cachet.spring.boot;

import io.cachet.Cache;

/**
 * Changes the {@link Cache.Builder} of the auto-configured cache after the {@code cachet.*}
 * properties were applied, for what the properties do not cover. Every bean of this type is
 * called, in {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface CachetBuilderCustomizer {

    /** Changes {@code builder}. */
    void customize(Cache.Builder builder);
}
