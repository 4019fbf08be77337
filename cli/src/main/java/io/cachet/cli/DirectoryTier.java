package io.cachet.cli;

import io.cachet.Sha256;
import io.cachet.spi.BlobTier;
import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A fleet's tier in a directory that every host mounts (a shared volume, NFS), as {@code --tier
 * file:///DIR}; {@code cachet demo --fleet} shares through one. It keeps the tier's promises with
 * the file system's atomic steps:
 *
 * <pre>
 * DIR/sha256/&lt;hex&gt;     a blob, read-only: copied into DIR/tmp/, synced, renamed into place (whole or absent)
 * DIR/keys/&lt;key id&gt;    a key record, "sha256 &lt;hex&gt;\nsize &lt;n&gt;\n": written into DIR/tmp/, then linked
 *                       into place; link(2) fails if one exists, so the first writer wins
 * DIR/tmp/             writes in progress, each under a unique name
 * </pre>
 *
 * Reads go through {@link Origin#files()}, ranged and resumable like any file origin. Blocking file
 * work runs on {@link Schedulers#boundedElastic()}.
 */
final class DirectoryTier implements BlobTier {
    private static final Origin FILES = Origin.files();

    private final Path dir;

    private DirectoryTier(Path dir) {
        this.dir = dir;
    }

    /**
     * The tier in {@code dir}, created if missing.
     *
     * @throws IllegalArgumentException if it cannot be created or written
     */
    static DirectoryTier at(Path dir) {
        try {
            Path root = dir.toAbsolutePath();
            Files.createDirectories(root.resolve("sha256"));
            Files.createDirectories(root.resolve("keys"));
            Files.createDirectories(root.resolve("tmp"));
            return new DirectoryTier(root);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.toString(), e);
        }
    }

    @Override
    public URI locate(Sha256 sha256) {
        return blob(sha256).toUri();
    }

    @Override
    public Mono<Long> find(Sha256 sha256) {
        return blocking(() -> {
            try {
                return Files.size(blob(sha256));
            } catch (NoSuchFileException absent) {
                return null;
            }
        });
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return FILES.open(request);
    }

    @Override
    public Mono<Void> upload(Sha256 sha256, Path file, long size) {
        return blocking(() -> {
                    Path target = blob(sha256);
                    if (Files.isRegularFile(target) && Files.size(target) == size) {
                        return null; // Already there.
                    }
                    Path tmp = temporary(sha256.hex());
                    try {
                        Files.copy(file, tmp);
                        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                            channel.force(true);
                        }
                        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE); // Replaces a copy of the same bytes.
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                    return null;
                })
                .then();
    }

    @Override
    public Mono<KeyRecord> record(String keyId) {
        return blocking(() -> read(recordPath(keyId)));
    }

    @Override
    public Mono<KeyRecord> recordIfAbsent(String keyId, KeyRecord record) {
        return blocking(() -> {
            Path target = recordPath(keyId);
            Path tmp = temporary(keyId);
            try {
                Files.writeString(
                        tmp,
                        "sha256 " + record.sha256().hex() + "\nsize " + record.size() + "\n",
                        StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
                Files.createLink(target, tmp);
            } catch (FileAlreadyExistsException first) {
                // Another host recorded the key first: its record stands.
            } finally {
                Files.deleteIfExists(tmp);
            }
            return read(target);
        });
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "DirectoryTier[" + dir + "]";
    }

    private Path blob(Sha256 sha256) {
        return dir.resolve("sha256").resolve(sha256.hex());
    }

    private Path recordPath(String keyId) {
        if (!keyId.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a key id is 64 lower-case hex characters: " + keyId);
        }
        return dir.resolve("keys").resolve(keyId);
    }

    private Path temporary(String name) {
        return dir.resolve("tmp").resolve(name + "." + UUID.randomUUID() + ".new");
    }

    private static @Nullable KeyRecord read(Path record) throws IOException {
        String text;
        try {
            text = Files.readString(record, StandardCharsets.UTF_8);
        } catch (NoSuchFileException absent) {
            return null;
        }
        String[] lines = text.split("\n");
        if (lines.length < 2 || !lines[0].startsWith("sha256 ") || !lines[1].startsWith("size ")) {
            throw new IOException("not a key record Cachet wrote: " + record);
        }
        try {
            return new KeyRecord(Sha256.parse(lines[0].substring(7)), Long.parseLong(lines[1].substring(5)));
        } catch (RuntimeException e) {
            throw new IOException("not a key record Cachet wrote: " + record, e);
        }
    }

    /** {@code work} on a thread that may block; a null result is an empty Mono. */
    private static <T> Mono<T> blocking(Callable<@Nullable T> work) {
        return Mono.fromCallable(work)
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorMap(UncheckedIOException.class, UncheckedIOException::getCause);
    }
}
