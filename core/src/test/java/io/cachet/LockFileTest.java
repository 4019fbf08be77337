package io.cachet;

import static io.cachet.testing.Failures.failure;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.store.Store.KeyId;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, behaviour 8 (docs/reliability.md F9, S14): whatever sits at a lock path, the engine neither
 * crashes nor reads it. A lock file's contents are never parsed, whatever they are; a symlink or a
 * directory there is refused with an error that names the path and says what to do, and nothing
 * behind it is touched. The multi-process cases are {@link LockFileIT}.
 */
@Timeout(30)
class LockFileTest {
    private static final byte[] BODY = Bytes.random(256 * 1024, 81);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/w.bin").withKey("w").withSha256(SHA);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private Path lockPath(Cache cache) {
        return cache.root().resolve("locks").resolve(KeyId.of(REQUEST.key()).hex() + ".lock");
    }

    @Test
    void aLockFileFullOfGarbageIsLockedWithoutBeingReadOrRewritten() throws Exception {
        fixture.allowForeignLockContents();
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        byte[] garbage = (new String(Bytes.random(4096, 3), StandardCharsets.ISO_8859_1)
                        + "\npid=1\nlocked at 2099-01-01\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        Files.write(lockPath(cache), garbage);

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(10));

        assertThat(artifact.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.readAllBytes(lockPath(cache))).isEqualTo(garbage);
    }

    @Test
    void aHugeSparseLockFileIsLockedWithoutBeingReadOrTruncated() throws Exception {
        fixture.allowForeignLockContents();
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        long huge = 100L * 1024 * 1024;
        try (RandomAccessFile file = new RandomAccessFile(lockPath(cache).toFile(), "rw")) {
            file.setLength(huge); // Sparse: no blocks, so the test costs no disk.
        }

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(10));

        assertThat(artifact.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(Files.size(lockPath(cache))).isEqualTo(huge);
    }

    @Test
    void aSymlinkAtTheLockPathIsRefusedNamingItAndWhatToDoAndItsTargetIsUntouched() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path victim = Files.writeString(fixture.root().resolveSibling("victim.txt"), "precious");
        Path lock = Files.createSymbolicLink(lockPath(cache), victim);

        StorageException e = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(e.reason()).isEqualTo(StorageException.Reason.UNSAFE_LAYOUT);
        assertThat(e.path()).isEqualTo(lock);
        assertThat(e.getMessage())
                .contains(lock.toString())
                .contains("symbolic link")
                .contains("delete the link");
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(fixture.origin.opens())
                .as("nothing downloaded without the lock")
                .isZero();

        Files.delete(lock);
        fixture.origin.enqueue(ok(BODY));
        assertThat(cache.fetch(REQUEST).block(Duration.ofSeconds(10)).sha256())
                .as("fine once the link is gone")
                .isEqualTo(SHA);
    }

    @Test
    void aDirectoryAtTheLockPathIsRefusedNamingItAndWhatToDo() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open();
        Path lock = Files.createDirectory(lockPath(cache));

        StorageException e = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(e.reason()).isEqualTo(StorageException.Reason.UNSAFE_LAYOUT);
        assertThat(e.path()).isEqualTo(lock);
        assertThat(e.getMessage())
                .contains(lock.toString())
                .contains("is a directory")
                .contains("remove it");
        assertThat(fixture.origin.opens()).isZero();
        Files.delete(lock);
    }
}
