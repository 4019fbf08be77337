package io.cachet.internal.store;

import io.cachet.InvalidRequestException;
import io.cachet.Key;
import io.cachet.Sha256;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A key record, {@code refs/<id>}: which blob a key names. Replaced atomically by rename; its
 * modification time is the key's last use.
 *
 * <pre>
 * cachet-ref 1
 * key=resnet50-v2
 * url=https://models.example/resnet50.onnx
 * sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * size=102400000
 * pinned=true
 * </pre>
 *
 * @param key the key, kept to list keys and to guard against a (theoretical) id collision
 * @param url the redacted URL it came from
 * @param sha256 the blob
 * @param size the blob's size
 * @param pinned whether the request that stored it pinned the digest
 */
public record RefFile(Key key, String url, Sha256 sha256, long size, boolean pinned) {
    static final String HEADER = "cachet-ref 1";

    String format() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", key.value());
        fields.put("url", url);
        fields.put("sha256", sha256.hex());
        fields.put("size", Long.toString(size));
        fields.put("pinned", Boolean.toString(pinned));
        return RecordText.format(HEADER, fields);
    }

    static @Nullable RefFile from(@Nullable Map<String, String> fields) {
        if (fields == null) {
            return null;
        }
        try {
            long size = RecordText.longField(fields, "size", -1);
            String key = fields.get("key");
            String sha = fields.get("sha256");
            if (size < 0 || key == null || sha == null) {
                return null;
            }
            return new RefFile(
                    new Key(key),
                    fields.getOrDefault("url", ""),
                    new Sha256(sha),
                    size,
                    Boolean.parseBoolean(fields.get("pinned")));
        } catch (InvalidRequestException malformed) {
            return null;
        }
    }
}
