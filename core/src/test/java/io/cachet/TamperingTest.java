package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.Failures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Things a neighbour can plant in a cache directory: none of them may make a fetch, a listing, a
 * verify or a gc wait forever, and none may leak what a request keeps secret.
 */
@Timeout(60)
class TamperingTest {
    private static final byte[] BODY = Bytes.random(400_000, 12);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void fifosInRefsAndTmpAreNeverWaitedOn() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        String key = "planted";
        mkfifo(CacheFiles.ref(fixture.root(), key));
        String id = CacheFiles.keyId(key);
        Path tmp = fixture.root().resolve("tmp");
        mkfifo(tmp.resolve(id + "." + ProcessHandle.current().pid() + "-00000000000000aa.meta"));
        mkfifo(tmp.resolve(id + "." + ProcessHandle.current().pid() + "-00000000000000aa.part"));
        mkfifo(tmp.resolve(id + "." + ProcessHandle.current().pid() + "-00000000000000bb.new"));

        assertThat(cache.entries().collectList().block(PROMPTLY)).isEmpty();
        Artifact artifact = cache.fetch(
                        FetchRequest.of("https://origin.test/f").withKey(key).withSha256(SHA))
                .block(PROMPTLY);
        assertThat(artifact.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(cache.verify().collectList().block(PROMPTLY)).hasSize(1);
        cache.gc(Long.MAX_VALUE).block(PROMPTLY);
        assertThat(cache.entries().collectList().block(PROMPTLY)).hasSize(1);
        try (Stream<Path> left = Files.list(tmp)) {
            left.forEach(p -> p.toFile().delete()); // The .new FIFO of this (live) process stays; the audit wants none.
        }
    }

    @Test
    void aFifoInPlaceOfALockFileFailsTheFetchSayingWhatItIs() throws Exception {
        Cache cache = fixture.open();
        Path lock = CacheFiles.lockFile(fixture.root(), "https://origin.test/f");
        mkfifo(lock);

        StorageException error = Failures.failure(
                cache.fetch(FetchRequest.of("https://origin.test/f")).toFuture(), StorageException.class);

        assertThat(error.reason()).isEqualTo(StorageException.Reason.UNSAFE_LAYOUT);
        assertThat(error).hasMessageContaining("not a regular file").hasMessageContaining("remove it");
        assertThat(fixture.origin.opens()).isZero();
        Files.delete(lock);
    }

    @Test
    void aQueryStringsSecretsAreWrittenNowhereInTheCache() throws Exception {
        fixture.origin.enqueue(ok(BODY).disconnectAfter(300_000), ok(BODY));
        fixture.allowResumableParts();
        Cache cache = fixture.open(fixture.builder().retry(RetryPolicy.none()));
        FetchRequest request =
                FetchRequest.of("https://user:hunter2@origin.test/m.bin?X-Amz-Signature=s3cr3t&token=t0k3n");

        Failures.failure(cache.fetch(request).toFuture(), OriginException.class); // Leaves a part and its sidecar.
        Artifact artifact = cache.fetch(request).block(PROMPTLY);

        assertThat(artifact.key().toString()).doesNotContain("s3cr3t");
        assertThat(cache.entries().blockFirst().key().value())
                .doesNotContain("s3cr3t")
                .doesNotContain("t0k3n");
        try (Stream<Path> files = Files.walk(fixture.root())) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                if (file.startsWith(fixture.root().resolve("blobs"))) {
                    continue;
                }
                assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1))
                        .as(file.toString())
                        .doesNotContain("s3cr3t")
                        .doesNotContain("t0k3n")
                        .doesNotContain("hunter2");
            }
        }
    }

    private static void mkfifo(Path path) throws Exception {
        Process mkfifo =
                new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
    }
}
