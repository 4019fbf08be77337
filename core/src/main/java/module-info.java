/** Cachet's engine: {@code io.cachet} is the API, {@code io.cachet.spi} the transport SPI. */
@org.jspecify.annotations.NullMarked
module cachet.core {
    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.cachet;
    exports io.cachet.spi;

    // A cache built without origins finds them with the ServiceLoader (the HTTP origin of
    // cachet-reactor); on the module path that needs this, else build() fails.
    uses io.cachet.spi.Origin;
}
