package io.cachet.benchmarks;

import io.cachet.Sha256;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * The bytes the benchmarks download: a fixed pseudo-random 1 MiB pattern, repeated to any length,
 * and small files that differ from one another (so that each is its own blob in the
 * content-addressed store). Incompressible, and the same in every run.
 */
public final class Bodies {
    public static final int PATTERN_SIZE = 1 << 20;
    private static final byte[] PATTERN = pattern();
    private static final ByteBuffer DIRECT =
            ByteBuffer.allocateDirect(PATTERN_SIZE).put(PATTERN).flip().asReadOnlyBuffer();

    private Bodies() {}

    private static byte[] pattern() {
        byte[] bytes = new byte[PATTERN_SIZE];
        new SplittableRandom(0x6361636865744cL).nextBytes(bytes);
        return bytes;
    }

    /** The pattern, read-only, in direct memory like a network buffer; a fresh view per call. */
    public static ByteBuffer direct() {
        return DIRECT.duplicate();
    }

    /** The pattern as an array; do not modify. */
    public static byte[] array() {
        return PATTERN;
    }

    /**
     * {@code length} bytes of the repeated pattern starting at {@code offset} of the body, as a view
     * into shared direct memory ({@code length} must not cross a pattern boundary).
     */
    public static ByteBuffer slice(long offset, int length) {
        int at = (int) (offset % PATTERN_SIZE);
        if (at + length > PATTERN_SIZE) {
            throw new IllegalArgumentException("a slice must not cross the pattern boundary: " + offset + "+" + length);
        }
        return DIRECT.duplicate().position(at).limit(at + length).slice();
    }

    /** The SHA-256 of a body of {@code size} bytes of the repeated pattern. */
    public static Sha256 sha256(long size) {
        MessageDigest digest = newDigest();
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(PATTERN_SIZE, left);
            digest.update(PATTERN, 0, n);
            left -= n;
        }
        return Sha256.of(digest.digest());
    }

    /** Small file number {@code index}: {@code size} bytes, different for every index. */
    public static byte[] small(int index, int size) {
        byte[] bytes = new byte[size];
        int start = (int) ((index * 4099L) % (PATTERN_SIZE - size));
        System.arraycopy(PATTERN, start, bytes, 0, size);
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) (index >>> (8 * i));
        }
        return bytes;
    }

    /** The SHA-256 of {@link #small}. */
    public static Sha256 smallSha256(int index, int size) {
        return Sha256.of(newDigest().digest(small(index, size)));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
