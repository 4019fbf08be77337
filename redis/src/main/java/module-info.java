/**
 * Fleet-wide download leases in Redis, on Lettuce. Exports only {@code io.cachet.redis}; it reaches
 * the engine through {@code io.cachet.spi} alone.
 */
@org.jspecify.annotations.NullMarked
module cachet.redis {
    requires transitive cachet.core;
    requires lettuce.core;
    requires io.netty.common;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.cachet.redis;
}
