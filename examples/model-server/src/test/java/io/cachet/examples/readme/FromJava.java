package io.cachet.examples.readme;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** README.md, "From Java": compiled, never run. */
class FromJava {
    private final String token = "secret";
    private final List<FetchRequest> shards = List.of();
    private final Progress progress = new Progress();

    void example() {
        try (Cache cache = Cache.builder().root(Path.of("/var/cache/models")).build()) {
            cache.events()
                    .subscribe(event -> progress.show(
                            event)); // Hit, Waiting, Started, Progress, Resumed, Retrying, Committed, Failed
            Mono<Artifact> model = cache.fetch(FetchRequest.of("https://models.example/resnet50.onnx")
                    .withSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
                    .withHeader("Authorization", "Bearer " + token));
            Artifact a = model.block(); // or compose it: the fetch is lazy and non-blocking
            load(a.path()); // read-only, verified; a.source(): HIT, DOWNLOADED, RESUMED, WAITED
            cache.fetchAll(Flux.fromIterable(shards), 16) // in request order, 16 at a time
                    .doOnNext(shard -> load(shard.path()))
                    .blockLast();
        }
    }

    private void load(Path model) {}

    /** Whatever shows the user what the cache does. */
    private static final class Progress {
        void show(CacheEvent event) {}
    }
}
