/**
 * {@code cachet}, the command-line tool. It reaches the engine through Cachet's public API alone
 * ({@code io.cachet}, {@code io.cachet.spi}, {@code io.cachet.reactor}, and for a fleet {@code
 * io.cachet.redis} and {@code io.cachet.s3}): the engine's internal
 * packages are not exported, so a reference to them does not compile. Nothing is exported; picocli
 * reads and sets the command classes' fields by reflection, so the package is opened to it.
 *
 * <p>The runnable jar ({@code cli/target/cachet.jar}) is shaded and runs on the class path, where
 * this descriptor is left out; it still holds the sources to these rules when they are compiled.
 */
@org.jspecify.annotations.NullMarked
module cachet.cli {
    requires cachet.core;
    requires cachet.reactor;
    requires cachet.redis;
    requires cachet.s3;
    requires info.picocli;
    requires reactor.netty.http;
    requires reactor.netty.core;
    requires io.netty.buffer;
    requires static org.jspecify;

    uses io.cachet.spi.Origin;

    opens io.cachet.cli to
            info.picocli;
}
