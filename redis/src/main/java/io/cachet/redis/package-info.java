/**
 * Fleet-wide download leases in Redis: {@link io.cachet.redis.RedisCluster} implements {@link
 * io.cachet.spi.Cluster} on Lettuce's reactive API. Give it to a cache and the hosts of a fleet take
 * turns downloading each artifact instead of all downloading it at once.
 */
@NullMarked
package io.cachet.redis;

import org.jspecify.annotations.NullMarked;
