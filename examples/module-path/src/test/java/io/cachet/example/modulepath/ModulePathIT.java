package io.cachet.example.modulepath;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.testing.FaultyServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine and the HTTP origin on the module path, as a modular application runs them: a child
 * JVM started with {@code --module-path} and {@code -m}, fetching from a loopback server.
 */
@Timeout(120)
class ModulePathIT {
    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @Test
    void aModularApplicationFetchesOverHttpWithTheOriginFoundByServiceBinding(@TempDir Path dir) throws Exception {
        byte[] body = new byte[300_000];
        new Random(11).nextBytes(body);
        String sha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        server.serve("/model.bin", body);
        String modulePath = System.getProperty("cachet.example.classes")
                + File.pathSeparator
                + Files.readString(Path.of(System.getProperty("cachet.example.module-path")))
                        .strip();
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");

        Process child = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx64m",
                        "-XX:TieredStopAtLevel=1",
                        "--module-path",
                        modulePath,
                        "-m",
                        "cachet.example.modulepath/io.cachet.example.modulepath.FetchOnModulePath",
                        dir.resolve("cache").toString(),
                        server.url("/model.bin").toString(),
                        sha256))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean exited = child.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        String report = "stdout:\n" + stdout + "\nstderr:\n" + stderr;

        assertThat(exited).as(report).isTrue();
        assertThat(child.exitValue()).as(report).isZero();
        assertThat(stdout)
                .as(report)
                .contains("engine in module cachet.core")
                .contains("fetched " + sha256 + " DOWNLOADED");
        assertThat(stderr)
                .as("the engine's log, through slf4j-simple on the module path")
                .contains("download committed: http://127.0.0.1:" + server.port() + "/model.bin");
        assertThat(server.requestCount()).isEqualTo(1);
    }
}
