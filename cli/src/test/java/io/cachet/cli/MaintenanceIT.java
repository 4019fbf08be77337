package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import io.cachet.testing.CacheFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gc} run by another process while a download commits, as a user with two shells would:
 * stopped (SIGSTOP) the moment its blob appears, the downloader is at the most fragile point of its
 * commit. Whatever instant the stop lands on, gc must leave the blob alone, and the downloader must
 * print a path that exists.
 */
@Timeout(120)
class MaintenanceIT {
    private static final byte[] BODY = Bytes.random(8 * 1024 * 1024, 23);
    private static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    @Test
    void gcInAnotherProcessWhileADownloadCommitsNeverDeletesItsBlob() throws Exception {
        server.serve("/big.bin", BODY);
        for (int attempt = 0; attempt < 20; attempt++) {
            Path cache = tmp.resolve("cache-" + attempt);
            Path blob = cache.resolve("blobs/sha256")
                    .resolve(SHA.hex().substring(0, 2))
                    .resolve(SHA.hex());
            Path lock = cache.resolve("locks")
                    .resolve(CacheFiles.keyId(server.url("/big.bin").toString()) + ".lock");
            CachetProcess fetch = CachetProcess.start(
                    tmp, "fetch", server.url("/big.bin").toString(), "--cache-dir", cache.toString(), "--quiet");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(blob) && fetch.process().isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // As close to the blob's rename as a watcher can get.
            }
            signal("STOP", fetch.process().pid());
            if (!stillHolds(lock)) {
                // The stop landed after the fetch had finished committing and let go of its lock: not the
                // window under test (evicting a finished artifact is gc's job). Try again.
                signal("CONT", fetch.process().pid());
                assertThat(fetch.await()).as(fetch.toString()).isZero();
                continue;
            }
            CachetProcess gc;
            try {
                gc = CachetProcess.run(tmp, "gc", "--max-size", "1", "--cache-dir", cache.toString(), "--json");
            } finally {
                signal("CONT", fetch.process().pid());
            }

            assertThat(gc.code()).as(gc.toString()).isZero();
            assertThat(fetch.await()).as(fetch.toString()).isZero();
            assertThat(Path.of(fetch.out().strip())).exists().hasBinaryContent(BODY);
            CachetProcess ls = CachetProcess.run(tmp, "ls", "--cache-dir", cache.toString(), "--json");
            assertThat(MiniJson.parse(ls.out().strip())).containsEntry("present", true);
            assertThat(CacheAudit.problems(cache, false)).isEmpty();
            return;
        }
        throw new AssertionError("never caught a download between its blob's rename and its lock's release");
    }

    /** Whether another process holds the OS lock on {@code lock} (probed without waiting). */
    private static boolean stillHolds(Path lock) throws IOException {
        if (!Files.exists(lock)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock probe = channel.tryLock();
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        }
    }

    @Test
    void gcRemovesWhatKilledProcessesLeftInTmpButNothingALiveOneOwns() throws Exception {
        Path cache = tmp.resolve("cache");
        server.serve("/small.bin", Bytes.random(1000, 24));
        CachetProcess made = CachetProcess.run(
                tmp, "fetch", server.url("/small.bin").toString(), "--cache-dir", cache.toString(), "--quiet");
        assertThat(made.code()).as(made.toString()).isZero();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path tmpDir = cache.resolve("tmp");
        for (int i = 0; i < 8; i++) { // What eight processes killed between write and rename leave.
            Files.write(tmpDir.resolve("%064x.%d-%016x.new".formatted(i, dead.pid(), i)), new byte[] {1});
        }

        CachetProcess gc = CachetProcess.run(tmp, "gc", "--max-size", "1GiB", "--cache-dir", cache.toString());

        assertThat(gc.code()).as(gc.toString()).isZero();
        try (Stream<Path> left = Files.list(tmpDir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void verifyHitReHashesACachedArtifactAndReplacesOneChangedInPlace() throws Exception {
        Path cache = tmp.resolve("cache");
        byte[] body = Bytes.random(100_000, 25);
        server.serve("/m.bin", body);
        String url = server.url("/m.bin").toString();
        CachetProcess first = CachetProcess.run(tmp, "fetch", url, "--cache-dir", cache.toString());
        Path blob = Path.of(first.out().strip());
        blob.toFile().setWritable(true);
        byte[] changed = body.clone();
        changed[10] ^= 1;
        Files.write(blob, changed); // Same size: a hit cannot tell.

        CachetProcess trusted = CachetProcess.run(tmp, "fetch", url, "--cache-dir", cache.toString(), "--json");
        CachetProcess verified =
                CachetProcess.run(tmp, "fetch", url, "--cache-dir", cache.toString(), "--json", "--verify-hit");

        assertThat(MiniJson.parse(trusted.out().strip())).containsEntry("source", "hit");
        assertThat(verified.code()).as(verified.toString()).isZero();
        assertThat(MiniJson.parse(verified.out().strip())).containsEntry("source", "download");
        assertThat(blob).hasBinaryContent(body);
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).isZero();
    }
}
