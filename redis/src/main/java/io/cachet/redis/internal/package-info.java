/** The Redis lease protocol and connection handling behind {@code RedisCluster}; not API. */
@NullMarked
package io.cachet.redis.internal;

import org.jspecify.annotations.NullMarked;
