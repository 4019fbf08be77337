package io.cachet;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.FaultyDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** fetchTo: the verified bytes at the caller's path, linked or copied, never partial there. */
@Timeout(60)
class FetchToTest {
    private static final byte[] BODY = Bytes.random(200_000, 31);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/model.bin").withSha256(SHA);
    private static final Duration PROMPTLY = Duration.ofSeconds(10);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @TempDir
    Path out;

    @Test
    void onTheCachesFileSystemTheOutputIsAReadOnlyHardLinkToTheVerifiedFile() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path output = out.resolve("model.bin");

        Artifact artifact = cache.fetchTo(REQUEST, output).block(PROMPTLY);

        assertThat(Files.isSameFile(output, artifact.path())).isTrue();
        assertThat((Integer) Files.getAttribute(output, "unix:mode") & 0222)
                .as("read-only, as the cached file")
                .isZero();
        assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
        assertThat(nothingBeside(output)).isTrue();
    }

    @Test
    void whereALinkCannotBeMadeTheOutputIsACopy() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk =
                new FaultyDisk().fail(FaultyDisk.Op.LINK, p -> true, new IOException("Invalid cross-device link"));
        Cache cache = fixture.open(fixture.builder(), disk);
        Path output = out.resolve("model.bin");

        Artifact artifact = cache.fetchTo(REQUEST, output).block(PROMPTLY);

        assertThat(Files.isSameFile(output, artifact.path())).isFalse();
        assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
        assertThat(disk.ops()).contains(FaultyDisk.Op.SYNC_DIRECTORY);
        assertThat(nothingBeside(output)).isTrue();
    }

    @Test
    void anExistingFileIsReplacedOnlyByVerifiedBytes() throws Exception {
        Path output = Files.writeString(out.resolve("model.bin"), "the old model");
        fixture.origin.enqueue(ok(Bytes.flip(BODY, 5)), ok(BODY));
        Cache cache = fixture.open(fixture.builder().retry(RetryPolicy.none()));

        StepVerifier.create(cache.fetchTo(REQUEST, output))
                .expectError(IntegrityException.class)
                .verify(PROMPTLY);
        assertThat(output).hasContent("the old model");

        cache.fetchTo(REQUEST, output).block(PROMPTLY);
        assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
        assertThat(nothingBeside(output)).isTrue();
    }

    @Test
    void aSymlinkAtTheOutputIsReplacedItselfAndItsTargetIsLeftAlone() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Path victim = Files.writeString(out.resolve("victim.txt"), "precious");
        Path output = Files.createSymbolicLink(out.resolve("model.bin"), victim);

        fixture.open().fetchTo(REQUEST, output).block(PROMPTLY);

        assertThat(Files.isSymbolicLink(output)).isFalse();
        assertThat(Files.readAllBytes(output)).isEqualTo(BODY);
        assertThat(victim).hasContent("precious");
    }

    @Test
    void callersWithDifferentOutputsShareOneDownloadAndEachGetsItsOwnOutput() throws Exception {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache cache = fixture.open();
        Mono<Artifact> first = cache.fetchTo(REQUEST, out.resolve("a.bin"));
        Mono<Artifact> second = cache.fetchTo(REQUEST, out.resolve("b.bin"));

        var both = Mono.zip(first, second).toFuture();
        gate.tryEmitEmpty();
        both.get(10, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(fixture.origin.opens()).isEqualTo(1);
        assertThat(Files.readAllBytes(out.resolve("a.bin"))).isEqualTo(BODY);
        assertThat(Files.readAllBytes(out.resolve("b.bin"))).isEqualTo(BODY);
    }

    @Test
    void anOutputThatCannotBeWrittenIsRefusedBeforeAnyDownload() throws Exception {
        Cache cache = fixture.open();
        Path directory = Files.createDirectory(out.resolve("dir"));

        StepVerifier.create(cache.fetchTo(REQUEST, out.resolve("missing").resolve("model.bin")))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessageContaining("does not exist; create it first"))
                .verify(PROMPTLY);
        StepVerifier.create(cache.fetchTo(REQUEST, directory))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessageContaining("it is a directory"))
                .verify(PROMPTLY);
        assertThat(fixture.origin.opens()).isZero();
    }

    @Test
    void aRenameThatFailsLeavesTheOutputAsItWasAndNothingBesideIt() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Path output = Files.writeString(out.resolve("model.bin"), "the old model");
        FaultyDisk disk =
                new FaultyDisk().fail(FaultyDisk.Op.MOVE, p -> p.equals(output), new IOException("Input/output error"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StepVerifier.create(cache.fetchTo(REQUEST, output))
                .expectErrorSatisfies(
                        e -> assertThat(e).isInstanceOf(StorageException.class).hasMessageContaining(output.toString()))
                .verify(PROMPTLY);

        assertThat(output).hasContent("the old model");
        assertThat(nothingBeside(output)).isTrue();
    }

    /** Whether the output's directory holds nothing but outputs: no temporary file left beside one. */
    private boolean nothingBeside(Path output) throws IOException {
        try (Stream<Path> files = Files.list(output.getParent())) {
            return files.noneMatch(f -> f.getFileName().toString().startsWith("."));
        }
    }
}
