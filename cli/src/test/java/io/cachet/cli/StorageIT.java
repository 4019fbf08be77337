package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.testing.Bytes;
import io.cachet.testing.Tmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exit code 5 for real: a cache on a small tmpfs that fills up, or is remounted read-only. Mounting
 * needs root; without it these tests are skipped, saying so.
 */
@Timeout(120)
class StorageIT {
    static final byte[] SMALL = Bytes.random(100_000, 21);
    static final byte[] BIG = Bytes.random(2 * 1024 * 1024, 22);

    @RegisterExtension
    final Tmpfs disk = new Tmpfs("1m");

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    private CachetProcess fetch(String path, Sha256 sha) throws Exception {
        return CachetProcess.run(
                tmp,
                "fetch",
                server.url(path).toString(),
                "--sha256",
                sha.hex(),
                "--cache-dir",
                disk.path().resolve("cache").toString());
    }

    @Test
    void aFullDiskExits5SayingToFreeSpaceAndLeavesNoPart() throws Exception {
        server.serve("/big.bin", BIG);

        CachetProcess p = fetch("/big.bin", Bytes.sha256(BIG));

        assertThat(p.code()).as(p.toString()).isEqualTo(5);
        assertThat(p.out()).isEmpty();
        assertThat(p.err())
                .contains("the cache directory cannot be used (no space)", "free space")
                .doesNotContain("\tat ");
        try (Stream<Path> parts = Files.list(disk.path().resolve("cache/tmp"))) {
            assertThat(parts).isEmpty();
        }
    }

    @Test
    void aReadOnlyCacheExits5NamingThePathAndStillServesWhatItHas() throws Exception {
        server.serve("/small.bin", SMALL).serve("/other.bin", BIG);
        CachetProcess first = fetch("/small.bin", Bytes.sha256(SMALL));
        assertThat(first.code()).as(first.toString()).isZero();
        disk.readOnly(true);

        CachetProcess p = fetch("/other.bin", Bytes.sha256(BIG));

        assertThat(p.code()).as(p.toString()).isEqualTo(5);
        assertThat(p.out()).isEmpty();
        assertThat(p.err())
                .contains("cannot be used (read only)", disk.path().toString())
                .doesNotContain("\tat ");
        CachetProcess hit = fetch("/small.bin", Bytes.sha256(SMALL));
        assertThat(hit.code()).as(hit.toString()).isZero();
        assertThat(hit.out().strip()).isEqualTo(first.out().strip());
    }
}
