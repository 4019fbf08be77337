package io.cachet.cli;

import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where the cache is, in this order: {@code --cache-dir}; else {@code $CACHET_CACHE_DIR}; else
 * {@code $XDG_CACHE_HOME/cachet}; else {@code $HOME/.cache/cachet} ({@link Io#home}). An empty variable counts as unset,
 * and so does a relative {@code XDG_CACHE_HOME}, as the XDG Base Directory specification says.
 */
final class CacheDirs {
    private CacheDirs() {}

    static Path resolve(@Nullable Path flag, Map<String, String> env, Path home) {
        if (flag != null) {
            return flag.toAbsolutePath().normalize();
        }
        String own = env.get("CACHET_CACHE_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own).toAbsolutePath().normalize();
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg).resolve("cachet").normalize();
        }
        return home.resolve(".cache").resolve("cachet").toAbsolutePath().normalize();
    }
}
