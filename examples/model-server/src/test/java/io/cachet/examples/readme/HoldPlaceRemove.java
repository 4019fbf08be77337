package io.cachet.examples.readme;

import io.cachet.Artifact;
import io.cachet.ArtifactLease;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.Removal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** README.md, leases, output paths and removal: compiled, never run. */
class HoldPlaceRemove {
    void example() {
        try (Cache cache = Cache.builder()
                .root(Path.of("/var/cache/models"))
                .maxSize(50L * 1024 * 1024 * 1024) // evict least recently used artifacts past 50 GiB, in the background
                .evictionMinAge(Duration.ofMinutes(10)) // never anything used in the last 10 minutes (the default)
                .build()) {
            FetchRequest request = FetchRequest.of("https://models.example/resnet50.onnx")
                    .withSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
            try (ArtifactLease model = cache.lease(request).block()) { // a shared lock on the blob, in every process
                long bytes = model.path().toFile().length(); // the file stays until the lease closes
            }
            Artifact placed = cache.fetchTo(request, Path.of("/srv/app/resnet50.onnx"))
                    .block(); // linked or copied, never partial
            List<Removal> removed =
                    cache.remove(Key.of("resnet50-v1")).collectList().block(); // REMOVED, NOT_CACHED or BUSY
        }
    }
}
