package io.cachet.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Key;
import io.cachet.RetryPolicy;
import io.cachet.internal.fs.Disk;
import io.cachet.internal.store.Store;
import io.cachet.spi.Validators;
import io.cachet.testing.CacheFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/**
 * The part file's sidecar while parallel ranges record what they wrote: a record scheduled by
 * ranges whose bytes were dropped since (a restart from zero, a fall back to one stream) writes
 * nothing, so that no sidecar names bytes that are not there.
 */
class PartFileTest {
    private static final long LENGTH = 64L * 1024 * 1024;
    private static final URI URL = URI.create("https://origin.test/big.bin");

    @TempDir
    Path root;

    private final ExecutorService files = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopThreads() {
        files.shutdownNow();
    }

    private PartFile open() {
        Store store = Store.open(root, false, Disk.REAL);
        Download.Context ctx = new Download.Context(
                store,
                files,
                Schedulers.immediate(),
                Schedulers.immediate(),
                Duration.ofSeconds(30),
                0,
                Duration.ofSeconds(10),
                Long.MAX_VALUE,
                64 * 1024,
                RetryPolicy.defaults(),
                () -> 0.5,
                event -> {},
                Download.Parallelism.of(0));
        Store.KeyId id = Store.KeyId.of(Key.of("big"));
        return PartFile.open(ctx, id, Store.Sidecar.uriHash(URL), URL.toString(), true, LENGTH);
    }

    @Test
    void rangesRecordedBeforeARestartNeverReachTheNewPartsSidecar() throws Exception {
        PartFile part = open();
        part.recordResponse(Validators.NONE, LENGTH);
        int before = part.generation();
        part.resetToZero();
        part.recordResponse(Validators.NONE, LENGTH);

        part.recordRanges(before, List.of(new Store.Span(0, 1024 * 1024)));

        assertThat(CacheFiles.recordedRanges(root))
                .as("ranges in the new part's sidecar")
                .isEmpty();
        assertThat(files(".meta")).hasSize(1);
        part.stopRanges(List.of(), null, false);
    }

    @Test
    void rangesRecordedBeforeAFallBackToOneStreamAreNotWrittenAfterIt() throws Exception {
        PartFile part = open();
        part.recordResponse(Validators.NONE, LENGTH);
        int before = part.generation();

        part.fallBack();
        part.recordRanges(before, List.of(new Store.Span(8 * 1024 * 1024, 9 * 1024 * 1024)));

        assertThat(CacheFiles.recordedRanges(root)).isEmpty();
        part.stopRanges(List.of(), null, false);
    }

    private List<Path> files(String suffix) throws Exception {
        try (Stream<Path> tmp = Files.list(root.resolve("tmp"))) {
            return tmp.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        }
    }
}
