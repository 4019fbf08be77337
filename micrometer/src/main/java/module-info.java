/** Micrometer metrics for Cachet, fed by a cache's events. */
@org.jspecify.annotations.NullMarked
@SuppressWarnings("requires-transitive-automatic") // micrometer-core has no module descriptor
module cachet.micrometer {
    requires transitive cachet.core;
    requires transitive micrometer.core;
    requires org.slf4j;
    requires static org.jspecify;

    exports io.cachet.micrometer;
}
