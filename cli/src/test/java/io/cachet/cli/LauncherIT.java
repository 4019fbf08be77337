package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.testing.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./cachet} launcher script, run from a copy of the repository's layout ({@code cachet}
 * and {@code cli/target/cachet.jar}): its start-up archives are only ever an optimisation. A
 * corrupt, foreign or stale archive, or a JDK that is gone, never breaks a command or adds a word
 * to its output, and recording the archives leaves only the archives behind.
 */
@Timeout(240)
class LauncherIT {
    private static final byte[] BODY = Bytes.random(64 * 1024, 16);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    /** A copy of what a clone holds after its first build: the script and the jar. */
    private Path freshClone() throws IOException {
        Path repository = Files.createDirectories(tmp.resolve("clone"));
        Path script = CachetProcess.jar()
                .toAbsolutePath()
                .getParent()
                .getParent()
                .getParent()
                .resolve("cachet");
        Files.copy(script, repository.resolve("cachet"));
        Path target = Files.createDirectories(repository.resolve("cli").resolve("target"));
        Files.copy(CachetProcess.jar(), target.resolve("cachet.jar"));
        return repository;
    }

    private CachetProcess launch(Path repository, String... args) throws IOException {
        CachetProcess p = CachetProcess.start(
                tmp,
                Map.of(),
                Stream.concat(Stream.of(repository.resolve("cachet").toString()), Stream.of(args))
                        .toList());
        p.await();
        return p;
    }

    private Path manifest() throws IOException {
        server.serve("/small.bin", BODY);
        return Files.writeString(tmp.resolve("manifest"), server.url("/small.bin") + " " + SHA.hex() + "\n");
    }

    @Test
    void corruptArchivesNewerThanTheJarNeitherBreakACommandNorAddToItsOutput() throws Exception {
        Path repository = freshClone();
        Path target = repository.resolve("cli").resolve("target");
        Files.write(target.resolve("cachet.jsa"), Bytes.random(256 * 1024, 3));
        if (Files.isExecutable(JAVA_25)) { // An AOT cache is only ever recorded with a JDK 25 or later.
            Files.write(target.resolve("cachet.aot"), Bytes.random(256 * 1024, 4));
            Files.writeString(target.resolve("cachet.aot.java"), JAVA_25 + "\n");
        }
        Path cache = tmp.resolve("cache");

        CachetProcess version = launch(repository, "--version");
        CachetProcess batch = launch(repository, "fetch-all", manifest().toString(), "--cache-dir", cache.toString());

        assertThat(version.code()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("cachet ");
        assertThat(version.err()).isEmpty();
        assertThat(batch.code()).as(batch.toString()).isZero();
        assertThat(batch.err()).isEmpty();
        assertThat(Files.readAllBytes(Path.of(batch.out().strip()))).isEqualTo(BODY);
    }

    @Test
    void fetchAllRunsOnTheJavaOnThePathWhenTheJdkThatMadeTheAotCacheIsGone() throws Exception {
        Path repository = freshClone();
        Path target = repository.resolve("cli").resolve("target");
        Files.write(target.resolve("cachet.jsa"), Bytes.random(1024, 1)); // Recorded: not recorded again.
        Files.write(target.resolve("cachet.aot"), Bytes.random(1024, 2));
        Files.writeString(target.resolve("cachet.aot.java"), tmp.resolve("uninstalled-jdk/bin/java") + "\n");

        CachetProcess batch = launch(
                repository,
                "fetch-all",
                manifest().toString(),
                "--cache-dir",
                tmp.resolve("cache").toString());

        assertThat(batch.code()).as(batch.toString()).isZero();
        assertThat(batch.err()).isEmpty();
        assertThat(Files.readAllBytes(Path.of(batch.out().strip()))).isEqualTo(BODY);
    }

    @Test
    void archivesOlderThanTheJarAreRecordedAgainQuietlyAndTheRecordingLeavesOnlyTheArchives() throws Exception {
        Path repository = freshClone();
        Path target = repository.resolve("cli").resolve("target");
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        for (String stale : List.of("cachet.jsa", "cachet.aot")) {
            Files.writeString(target.resolve(stale), "left by an earlier build", StandardCharsets.UTF_8);
            Files.setLastModifiedTime(target.resolve(stale), old);
        }

        CachetProcess version = launch(repository, "--version");

        assertThat(version.code()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("cachet ");
        assertThat(version.err())
                .as("stderr is not a terminal: the recording says nothing")
                .isEmpty();
        assertThat(Files.getLastModifiedTime(target.resolve("cachet.jsa")))
                .as("the stale class-data archive was recorded again")
                .isGreaterThan(Files.getLastModifiedTime(target.resolve("cachet.jar")));
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("what the recording left beside the jar")
                    .allMatch(
                            name -> List.of("cachet.jar", "cachet.jsa", "cachet.aot", "cachet.aot.java", ".build.lock")
                                    .contains(name));
        }
        if (Files.exists(target.resolve("cachet.aot"))) {
            assertThat(Files.getLastModifiedTime(target.resolve("cachet.aot")))
                    .as("an AOT cache left is a fresh one, never the stale one")
                    .isGreaterThan(old);
            assertThat(Files.readString(target.resolve("cachet.aot.java"))).contains("java");
        }
    }
}
