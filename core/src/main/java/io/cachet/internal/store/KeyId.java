package io.cachet.internal.store;

import io.cachet.Key;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The file-system name of a key: the SHA-256 of its text in hex. Keys never become paths
 * themselves (RELIABILITY.md S1).
 *
 * @param hex 64 lower-case hex characters
 */
public record KeyId(String hex) {

    public static KeyId of(Key key) {
        return new KeyId(sha256Hex(key.value()));
    }

    static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return hex;
    }
}
