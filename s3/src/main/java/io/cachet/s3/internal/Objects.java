package io.cachet.s3.internal;

import io.cachet.Sha256;
import io.cachet.spi.BlobTier.KeyRecord;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the tier stores, and how its answers are read.
 *
 * <pre>
 * PREFIX/sha256/&lt;64 hex&gt;   a blob: exactly the bytes whose SHA-256 is its name
 * PREFIX/keys/&lt;64 hex&gt;     a key record, text:  "sha256 &lt;64 hex&gt;\nsize &lt;decimal&gt;\n"
 * </pre>
 */
final class Objects {
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern RECORD = Pattern.compile("sha256 ([0-9a-f]{64})\nsize ([0-9]{1,19})\n");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes ([0-9]{1,19})-([0-9]{1,19})/([0-9]{1,19}|\\*)");

    private Objects() {}

    static String checkKeyId(String keyId) {
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException(
                    "a key id is the SHA-256 of the key's text in 64 lower-case hex characters, not: "
                            + io.cachet.spi.Text.printable(keyId, 80));
        }
        return keyId;
    }

    static byte[] encode(KeyRecord record) {
        return ("sha256 " + record.sha256().hex() + "\nsize " + record.size() + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The record {@code bytes} hold, or null if they are not one. */
    static @Nullable KeyRecord decode(byte[] bytes) {
        if (bytes.length > 256) {
            return null;
        }
        Matcher m = RECORD.matcher(new String(bytes, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            return null;
        }
        try {
            return new KeyRecord(new Sha256(m.group(1)), Long.parseLong(m.group(2)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A parsed {@code Content-Range: bytes FIRST-LAST/TOTAL}; total is -1 for {@code *}. */
    record Range(long first, long last, long total) {}

    static @Nullable Range contentRange(@Nullable String header) {
        if (header == null) {
            return null;
        }
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            return null;
        }
        try {
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (last < first || (total != -1 && last >= total)) {
                return null;
            }
            return new Range(first, last, total);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
