package io.cachet;

import static io.cachet.testing.Failures.failure;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Disk full and read-only file systems, for real, on a tmpfs (docs/reliability.md F1, F8, S10, S12). */
@Timeout(120)
class StorageFailureTest {
    private static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 71);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    @Order(1)
    final Tmpfs disk = new Tmpfs("4m");

    @RegisterExtension
    @Order(2)
    final CacheFixture fixture = new CacheFixture(disk::path);

    @Test
    void aDiskThatFillsUpMidDownloadFailsNamingThePartLeavesNothingAndWorksOnceSpaceIsBack() throws Exception {
        fixture.origin.enqueue(ok(BODY).declaredLength(-1), ok(BODY).declaredLength(-1));
        Cache cache = fixture.open();
        EventRecorder events = fixture.record(cache);
        Path filler = Files.write(disk.path().resolve("filler"), new byte[3 * 1024 * 1024]);
        FetchRequest request = FetchRequest.of("https://origin.test/big").withSha256(SHA);

        StorageException error = failure(cache.fetch(request).toFuture(), StorageException.class);

        assertThat(error.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
        assertThat(error.path().toString()).contains("/tmp/").endsWith(".part");
        assertThat(error).hasMessageContaining("No space left on device").hasMessageContaining("free space");
        assertThat(filesUnder("tmp"))
                .as("the part is removed, freeing its space")
                .isEmpty();
        assertThat(filesUnder("blobs")).isEmpty();
        assertThat(events.of(CacheEvent.Failed.class))
                .extracting(CacheEvent.Failed::error)
                .containsExactly(error);

        Files.delete(filler);
        Artifact artifact = cache.fetch(request).block(Duration.ofSeconds(30));
        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
    }

    @Test
    void anArtifactKnownNotToFitFailsBeforeAnyByteIsDownloaded() throws Exception {
        fixture.origin.enqueue(ok(Bytes.random(6 * 1024 * 1024, 72)));
        Cache cache = fixture.open();

        StorageException error =
                failure(cache.fetch(FetchRequest.of("https://origin.test/huge")).toFuture(), StorageException.class);

        assertThat(error.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
        assertThat(error).hasMessageContaining("bytes are free");
        assertThat(fixture.origin.bytesSent()).isZero();
        assertThat(filesUnder("tmp")).isEmpty();
    }

    @Test
    void aReadOnlyFileSystemFailsWithReadOnlyAndTheCacheStillServesWhatItHas() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        FetchRequest stored = FetchRequest.of("https://origin.test/kept").withSha256(SHA);
        cache.fetch(stored).block(Duration.ofSeconds(30));
        disk.readOnly(true);
        try {
            StorageException error = failure(
                    cache.fetch(FetchRequest.of("https://origin.test/new")).toFuture(), StorageException.class);
            assertThat(error.reason()).isEqualTo(StorageException.Reason.READ_ONLY);
            assertThat(error).hasMessageContaining("read-only").hasMessageContaining("writable directory");

            Artifact hit = cache.fetch(stored).block(Duration.ofSeconds(30));
            assertThat(hit.source()).isEqualTo(Artifact.Source.HIT);
        } finally {
            disk.readOnly(false);
        }
    }

    private java.util.List<Path> filesUnder(String sub) throws IOException {
        Path dir = fixture.root().resolve(sub);
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
