package io.cachet.internal.store;

import io.cachet.spi.Validators;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A part file's sidecar, {@code tmp/<id>.<unique>.meta}: whose part it is and what is needed to
 * resume it. It is written before the part file is created (so a part without a sidecar never
 * belongs to a live writer), replaced by rename when the response headers arrive, at checkpoints
 * and when a download stops. Waiting processes read it to show the holder's progress.
 *
 * <pre>
 * cachet-part 1
 * uri-sha256=…            SHA-256 of the full URI: resume only the same URI, without storing its query
 * url=https://host/path   redacted, for people
 * etag="v1"               validators the bytes came with (may be absent)
 * last-modified=…
 * length=1048576          the artifact's total size, or -1
 * host=build-7
 * pid=4242
 * start=1764250000000     process start, epoch ms: tells a live owner from a recycled pid
 * checkpoint=8388608 9f86…  a prefix length and the SHA-256 of exactly that prefix
 * </pre>
 *
 * <p>Contents are informational and untrusted: they decide what may be adopted, never whom to
 * kill or which lock to break.
 */
public record Sidecar(
        String uriHash,
        String url,
        Validators validators,
        long length,
        ProcessIdentity owner,
        long checkpointOffset,
        @Nullable String checkpointSha256) {
    static final String HEADER = "cachet-part 1";

    public static String hashOf(java.net.URI uri) {
        return KeyId.sha256Hex(uri.toString());
    }

    public Sidecar withCheckpoint(long offset, String sha256) {
        return new Sidecar(uriHash, url, validators, length, owner, offset, sha256);
    }

    public Sidecar withResponse(Validators validators, long length) {
        return new Sidecar(uriHash, url, validators, length, owner, checkpointOffset, checkpointSha256);
    }

    public Sidecar withOwner(ProcessIdentity owner) {
        return new Sidecar(uriHash, url, validators, length, owner, checkpointOffset, checkpointSha256);
    }

    String format() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("uri-sha256", uriHash);
        fields.put("url", url);
        if (validators.etag() != null) {
            fields.put("etag", validators.etag());
        }
        if (validators.lastModified() != null) {
            fields.put("last-modified", validators.lastModified());
        }
        fields.put("length", Long.toString(length));
        fields.put("host", owner.host());
        fields.put("pid", Long.toString(owner.pid()));
        fields.put("start", Long.toString(owner.startMillis()));
        if (checkpointSha256 != null) {
            fields.put("checkpoint", checkpointOffset + " " + checkpointSha256);
        }
        return RecordText.format(HEADER, fields);
    }

    static @Nullable Sidecar from(@Nullable Map<String, String> fields) {
        if (fields == null) {
            return null;
        }
        try {
            String uriHash = fields.get("uri-sha256");
            long pid = RecordText.longField(fields, "pid", -1);
            if (uriHash == null || pid <= 0) {
                return null;
            }
            long offset = 0;
            String sha = null;
            String checkpoint = fields.get("checkpoint");
            if (checkpoint != null) {
                String[] parts = checkpoint.split(" ");
                if (parts.length == 2 && parts[1].matches("[0-9a-f]{64}")) {
                    offset = Long.parseLong(parts[0]);
                    sha = parts[1];
                }
            }
            return new Sidecar(
                    uriHash,
                    fields.getOrDefault("url", ""),
                    new Validators(fields.get("etag"), fields.get("last-modified")),
                    RecordText.longField(fields, "length", -1),
                    new ProcessIdentity(fields.getOrDefault("host", ""), pid, RecordText.longField(fields, "start", 0)),
                    offset,
                    sha);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
