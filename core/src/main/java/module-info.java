/** Cachet's engine: {@code io.cachet} is the API, {@code io.cachet.spi} the transport SPI. */
@org.jspecify.annotations.NullMarked
module cachet.core {
    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.cachet;
    exports io.cachet.spi;
}
