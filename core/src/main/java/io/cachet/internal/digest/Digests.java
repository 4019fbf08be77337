package io.cachet.internal.digest;

import io.cachet.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one way Cachet hashes: new digests, copies of running ones, files and text. */
public final class Digests {
    private static final int READ_BUFFER = 1 << 20;

    private Digests() {}

    /** A new SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A copy of a running digest, to read its value without disturbing it. */
    public static MessageDigest copy(MessageDigest digest) {
        try {
            return (MessageDigest) digest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned on every JDK", e);
        }
    }

    /** The value a running digest would have now, leaving it running. */
    public static Sha256 valueOf(MessageDigest digest) {
        return Sha256.of(copy(digest).digest());
    }

    /** The SHA-256 of {@code text} in UTF-8, in hex. */
    public static String hex(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Feeds the first {@code length} bytes of {@code file} into {@code into}; fails if it is shorter. */
    public static void hashPrefix(Path file, long length, MessageDigest into) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(READ_BUFFER, Math.max(length, 1)));
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long done = 0;
            while (done < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
                int n = in.read(buffer, done);
                if (n < 0) {
                    throw new IOException(file + " is shorter than " + length + " bytes");
                }
                buffer.flip();
                into.update(buffer);
                done += n;
            }
        }
    }

    /** The SHA-256 of a whole file (read to its end, whatever its size claims). */
    public static Sha256 of(Path file) throws IOException {
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (in.read(buffer) >= 0) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
            }
        }
        return Sha256.of(digest.digest());
    }
}
