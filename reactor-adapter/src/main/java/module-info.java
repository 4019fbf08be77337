/**
 * Cachet's HTTP origin on reactor-netty. Exports only {@code io.cachet.reactor}; it reaches the
 * engine through {@code io.cachet} and {@code io.cachet.spi} alone, never {@code io.cachet.internal}.
 */
@org.jspecify.annotations.NullMarked
@SuppressWarnings("requires-transitive-automatic") // reactor-netty has no module descriptor yet
module cachet.reactor {
    requires transitive cachet.core;
    requires transitive reactor.netty.http;
    requires reactor.netty.core;
    requires io.netty.buffer;
    requires io.netty.codec.http;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.resolver;
    requires io.netty.transport;
    // Netty's jars are explicit modules that reactor-netty (an automatic module) cannot require:
    // without these, its default DNS resolver, HTTP/2 and proxy support are missing on the module
    // path and no origin can be created.
    requires io.netty.resolver.dns;
    requires io.netty.codec.http2;
    requires io.netty.handler.proxy;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.cachet.reactor;

    provides io.cachet.spi.Origin with
            io.cachet.reactor.NettyOrigin;
}
