package io.cachet.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates files and directories readable and writable by their owner only; callers then widen the
 * mode explicitly to what {@link Permissions} configures. So nothing Cachet creates is ever, even
 * for an instant, more open than configured, whatever the umask (RELIABILITY.md I11, S13).
 */
public final class PrivateFiles {
    static final FileAttribute<Set<PosixFilePermission>> OWNER_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    static final FileAttribute<Set<PosixFilePermission>> OWNER_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private PrivateFiles() {}

    /** Creates {@code file} with {@code bytes}; fails if anything (even a symlink) is there. */
    public static void write(Path file, byte[] bytes) throws IOException {
        try (SeekableByteChannel out = Files.newByteChannel(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                OWNER_FILE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
    }

    /** Creates the directory {@code dir}, owner-only until its mode is set. */
    public static void directory(Path dir) throws IOException {
        Files.createDirectory(dir, OWNER_DIRECTORY);
    }
}
