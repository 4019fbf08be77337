package io.cachet.example.modulepath;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Fetches one URL into a cache and prints where the engine ran from and what it got.
 *
 * <p>Usage: {@code java --module-path ... -m cachet.example.modulepath/io.cachet.example.modulepath.FetchOnModulePath
 * CACHE_DIR URL SHA256}
 */
public final class FetchOnModulePath {
    private FetchOnModulePath() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: FetchOnModulePath CACHE_DIR URL SHA256");
            System.exit(2);
        }
        // No origin is named: the engine finds the HTTP origin through the ServiceLoader.
        try (Cache cache = Cache.builder().root(Path.of(args[0])).build()) {
            Artifact artifact =
                    cache.fetch(FetchRequest.of(args[1]).withSha256(args[2])).block(Duration.ofSeconds(60));
            System.out.println("engine in module " + Cache.class.getModule().getName());
            System.out.println("fetched " + artifact.sha256().hex() + " " + artifact.source());
        }
    }
}
