package io.cachet.testing;

import io.cachet.Sha256;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Test artifacts: reproducible pseudo-random bytes and their digests. */
public final class Bytes {
    private Bytes() {}

    /** {@code size} reproducible bytes for {@code seed}. */
    public static byte[] random(int size, long seed) {
        byte[] out = new byte[size];
        fill(out, 0, seed);
        return out;
    }

    /**
     * Fills {@code into} with the bytes of the stream for {@code seed} that start at {@code
     * offset}: the same stream whatever the chunking, so huge artifacts can be generated a chunk at a
     * time.
     */
    public static void fill(byte[] into, long offset, long seed) {
        long word = 0;
        for (int i = 0; i < into.length; i++) {
            long position = offset + i;
            if (i == 0 || (position & 7) == 0) {
                word = word(position >>> 3, seed);
            }
            into[i] = (byte) (word >>> ((position & 7) * 8));
        }
    }

    /** The byte at {@code position} of the stream for {@code seed}. */
    public static byte byteAt(long position, long seed) {
        return (byte) (word(position >>> 3, seed) >>> ((position & 7) * 8));
    }

    /** SplitMix64 of the block number: fast, allocation-free, well mixed. */
    private static long word(long block, long seed) {
        long z = seed + (block + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static Sha256 sha256(byte[] bytes) {
        return Sha256.of(digest().digest(bytes));
    }

    /** The digest of {@code size} bytes of the stream for {@code seed}, generated a chunk at a time. */
    public static Sha256 sha256OfStream(long size, long seed) {
        MessageDigest digest = digest();
        byte[] chunk = new byte[1 << 16];
        for (long at = 0; at < size; at += chunk.length) {
            int n = (int) Math.min(chunk.length, size - at);
            byte[] part = n == chunk.length ? chunk : new byte[n];
            fill(part, at, seed);
            digest.update(part);
        }
        return Sha256.of(digest.digest());
    }

    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A copy of {@code bytes} with one byte flipped. */
    public static byte[] flip(byte[] bytes, int at) {
        byte[] copy = bytes.clone();
        copy[at] ^= 0x5a;
        return copy;
    }

    /** The remaining bytes of a buffer, without consuming it. */
    public static byte[] of(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** Writes {@code bytes} to a new temporary file readable by everyone. */
    public static java.nio.file.Path writeTemp(byte[] bytes) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("cachet-bytes-", ".bin");
            java.nio.file.Files.write(file, bytes);
            java.nio.file.Files.setPosixFilePermissions(
                    file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every byte of a body, in order. */
    public static byte[] collect(reactor.core.publisher.Flux<ByteBuffer> body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        body.doOnNext(b -> out.writeBytes(of(b))).blockLast(java.time.Duration.ofSeconds(30));
        return out.toByteArray();
    }
}
