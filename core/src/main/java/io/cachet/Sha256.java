package io.cachet;

import io.cachet.spi.Text;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A SHA-256 digest, held as 64 lower-case hex characters.
 *
 * <p>Blobs are named by the digest Cachet computed itself, so a {@code Sha256} is also a safe file
 * name: it can never contain a separator or {@code ..}.
 *
 * @param hex 64 lower-case hex characters
 */
public record Sha256(String hex) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** Validates {@code hex}; use {@link #parse} to accept upper case too. */
    public Sha256 {
        if (hex == null || !HEX64.matcher(hex).matches()) {
            throw InvalidRequestException.of(
                    "sha256",
                    describe(hex),
                    "a SHA-256 digest is exactly 64 hex characters, e.g. the first word printed by `sha256sum FILE`");
        }
    }

    /** Parses a digest written in hex, in either case, with surrounding whitespace ignored. */
    public static Sha256 parse(String text) {
        if (text == null) {
            throw InvalidRequestException.of("sha256", "null", "pass the 64 hex characters of the digest");
        }
        return new Sha256(text.strip().toLowerCase(Locale.ROOT));
    }

    /** The digest of the given 32 bytes. */
    public static Sha256 of(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + digest.length);
        }
        return new Sha256(HexFormat.of().formatHex(digest));
    }

    /** The 32 raw bytes of this digest. */
    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public String toString() {
        return hex;
    }

    private static String describe(String hex) {
        if (hex == null) {
            return "null";
        }
        String shown = hex.length() > 80 ? hex.substring(0, 80) + "..." : hex;
        return '"' + Text.printable(shown) + "\" (" + hex.length() + " characters)";
    }
}
