package io.cachet;

import org.jspecify.annotations.Nullable;

/**
 * The bytes the origin delivered are not the expected ones. Nothing was committed and the part
 * file was removed; Cachet never retries this in a loop.
 */
public final class IntegrityException extends CachetException {
    private static final long serialVersionUID = 1L;

    /** What did not match. */
    public enum Kind {
        /** The SHA-256 of the bytes differs from the expected one. */
        DIGEST_MISMATCH,
        /** The number of bytes differs from the expected size or the declared length. */
        SIZE_MISMATCH,
        /** The origin sent, or declared, more bytes than expected; the transfer was cut off. */
        TOO_LARGE
    }

    private final Kind kind;
    private final Key key;
    private final String url;
    private final @Nullable Sha256 expectedSha256;
    private final @Nullable Sha256 actualSha256;
    private final long expectedSize;
    private final long actualSize;

    /**
     * @param kind what did not match
     * @param key the artifact's key
     * @param url the redacted URL
     * @param expectedSha256 the pinned digest, or null if none was given
     * @param actualSha256 the digest of the bytes received, or null if the transfer was cut off
     * @param expectedSize the expected size in bytes, or -1 if unknown
     * @param actualSize the bytes received (or declared, for {@link Kind#TOO_LARGE} before any)
     */
    public IntegrityException(
            Kind kind,
            Key key,
            String url,
            @Nullable Sha256 expectedSha256,
            @Nullable Sha256 actualSha256,
            long expectedSize,
            long actualSize) {
        super(message(kind, key, url, expectedSha256, actualSha256, expectedSize, actualSize), null);
        this.kind = kind;
        this.key = key;
        this.url = url;
        this.expectedSha256 = expectedSha256;
        this.actualSha256 = actualSha256;
        this.expectedSize = expectedSize;
        this.actualSize = actualSize;
    }

    private static String message(
            Kind kind,
            Key key,
            String url,
            @Nullable Sha256 expected,
            @Nullable Sha256 actual,
            long expectedSize,
            long actualSize) {
        String from = key.toString().equals(url) ? url : key + " from " + url;
        String subject = "integrity check failed for " + from + ": ";
        String detail = switch (kind) {
            case DIGEST_MISMATCH ->
                "expected SHA-256 " + expected + " but the " + actualSize + " bytes received hash to " + actual;
            case SIZE_MISMATCH ->
                "expected " + expectedSize + " bytes but received " + actualSize
                        + (actual == null ? "" : " (SHA-256 " + actual + ")");
            case TOO_LARGE ->
                "expected " + expectedSize + " bytes but the origin sent or declared " + actualSize
                        + "; the transfer was cut off";
        };
        return subject
                + detail
                + ". Nothing was committed. Check that the expected digest and size are right and that the"
                + " URL serves the artifact you mean.";
    }

    /** What did not match. */
    public Kind kind() {
        return kind;
    }

    /** The artifact's key. */
    public Key key() {
        return key;
    }

    /** The URL, without credentials or query. */
    public String url() {
        return url;
    }

    /** The pinned digest, or null when the request pinned none. */
    public @Nullable Sha256 expectedSha256() {
        return expectedSha256;
    }

    /** The digest of what arrived, or null when the transfer was cut off before the end. */
    public @Nullable Sha256 actualSha256() {
        return actualSha256;
    }

    /** The expected size in bytes, or -1 when unknown. */
    public long expectedSize() {
        return expectedSize;
    }

    /** The size received, or declared by the origin for a transfer refused up front. */
    public long actualSize() {
        return actualSize;
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
