package io.cachet.spi;

import static io.cachet.testing.CacheDirectoryAssert.assertThatCache;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.OriginException;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.Failures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code file:} origin never widens who may read a file, and reads files whose size lies. */
@Timeout(60)
class FileOriginTest {
    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void aFileThatNotEveryUserMayReadIsRefusedAndNothingIsCached() throws Exception {
        Path secret = Files.createTempFile("shadow-", ".bin");
        try {
            Files.write(secret, Bytes.random(1000, 3));
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
            Cache cache = fixture.open(fixture.builder().origin(Origin.files()));

            OriginException error = Failures.failure(
                    cache.fetch(FetchRequest.of(secret.toUri())).toFuture(), OriginException.class);

            assertThat(error.status()).isEqualTo(403);
            assertThat(error).hasMessageContaining("not readable by every user").hasMessageContaining("chmod o+r");
            assertThat(error.attempts()).isEqualTo(1);
            assertThatCache(fixture.root()).hasNoBlobs().hasNoParts();
        } finally {
            Files.delete(secret);
        }
    }

    @Test
    void aFileWhoseSizeSaysZeroIsReadToItsEnd() throws Exception {
        Path status = Path.of("/proc/self/status");
        assertThat(Files.size(status)).as("the kernel reports no size for it").isZero();
        Cache cache = fixture.open(fixture.builder().origin(Origin.files()));

        Artifact artifact = cache.fetch(FetchRequest.of(status.toUri())).block(Duration.ofSeconds(30));

        assertThat(artifact.size()).isPositive();
        assertThat(Files.readString(artifact.path())).startsWith("Name:");
    }

    @Test
    void aBoundedRangeOfAFileIsExactlyThatRange() {
        byte[] body = Bytes.random(300_000, 4);
        Path file = Bytes.writeTemp(body);
        try {
            OriginResponse response = Origin.files()
                    .open(OriginRequest.of(file.toUri()).withRange(1000, 2000, Validators.NONE))
                    .block(Duration.ofSeconds(10));
            byte[] got = Bytes.collect(response.body());

            assertThat(response.status()).isEqualTo(OriginResponse.Status.PARTIAL);
            assertThat(response.offset()).isEqualTo(1000);
            assertThat(response.length()).isEqualTo(body.length);
            assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(body, 1000, 2000));
        } finally {
            file.toFile().delete();
        }
    }
}
