/**
 * Spring Boot auto-configuration for Cachet: a {@link io.cachet.Cache} bean from {@code cachet.*}
 * properties on the application's reactor-netty resources, its Micrometer metrics and an actuator
 * health indicator.
 */
@NullMarked
package io.cachet.spring.boot;

import org.jspecify.annotations.NullMarked;
