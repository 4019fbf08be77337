package io.cachet.internal.store;

import io.cachet.internal.fs.Disk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The small text files Cachet keeps beside its blobs (key records, part sidecars): a header line,
 * then {@code name=value} lines. Other processes and users write them too, so reading is
 * defensive: at most {@link #MAX_BYTES} are read, symlinks are not followed, only regular files
 * are opened (a FIFO would block the reader), and anything malformed reads as "no record" rather
 * than an exception.
 */
final class RecordText {
    static final int MAX_BYTES = 8192;

    private RecordText() {}

    /** The fields of the record at {@code path}, or null if it is missing or not a valid record. */
    static @Nullable Map<String, String> read(Path path, String header) throws IOException {
        byte[] bytes = Disk.readSmall(path, MAX_BYTES);
        if (bytes == null || bytes.length > MAX_BYTES) {
            return null;
        }
        return parse(new String(bytes, StandardCharsets.UTF_8), header);
    }

    static @Nullable Map<String, String> parse(String text, String header) {
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].equals(header)) {
            return null;
        }
        Map<String, String> fields = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                return null;
            }
            fields.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return fields;
    }

    static String format(String header, Map<String, String> fields) {
        StringBuilder out = new StringBuilder(header).append('\n');
        fields.forEach((name, value) -> {
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException(name + " must be one line");
            }
            out.append(name).append('=').append(value).append('\n');
        });
        return out.toString();
    }

    static long longField(Map<String, String> fields, String name, long fallback) {
        String value = fields.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
