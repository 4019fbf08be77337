package io.cachet.internal.store;

import io.cachet.Sha256;
import io.cachet.spi.Validators;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The two record formats, as {@link RecordText} files.
 *
 * <p>A key record, {@code refs/<id>}, replaced atomically by rename; its modification time is the
 * key's last use:
 *
 * <pre>
 * cachet-ref 1
 * key=https://models.example/resnet50.onnx?...   as listings show it: a URI key's query hidden
 * url=https://models.example/resnet50.onnx?...   redacted
 * uri-sha256=…                                   SHA-256 of the URI as a key would be written
 * sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * size=102400000
 * pinned=true
 * </pre>
 *
 * <p>A part's sidecar, {@code tmp/<id>.<unique>.meta}: written when the response headers arrive
 * (for downloads worth resuming), at checkpoints and when a download stops. Waiting processes read
 * it to show the holder's progress.
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
 * ranges=0-8388608 33554432-41943040   written in parallel ranges: only these [start-end) hold the
 *                                      artifact's bytes (absent: everything from byte 0 does)
 * </pre>
 *
 * <p>A download in parallel ranges rewrites its sidecar as ranges complete, so that after a crash
 * the next holder asks only for what is missing; a range is recorded only once its bytes were
 * written. At most {@link Store.Sidecar#MAX_RANGES} ranges are kept, the largest.
 *
 * <p>Both are written by other processes and users too, so parsing is defensive: anything
 * malformed reads as "no record".
 */
final class RecordFiles {
    static final String RECORD_HEADER = "cachet-ref 1";
    static final String SIDECAR_HEADER = "cachet-part 1";

    private RecordFiles() {}

    static String format(Store.Record record) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", record.key());
        fields.put("url", record.url());
        if (!record.uriHash().isEmpty()) {
            fields.put("uri-sha256", record.uriHash());
        }
        fields.put("sha256", record.sha256().hex());
        fields.put("size", Long.toString(record.size()));
        fields.put("pinned", Boolean.toString(record.pinned()));
        return RecordText.format(RECORD_HEADER, fields);
    }

    static Store.@Nullable Record record(@Nullable Map<String, String> fields) {
        if (fields == null) {
            return null;
        }
        try {
            long size = RecordText.longField(fields, "size", -1);
            String key = fields.get("key");
            String sha = fields.get("sha256");
            if (size < 0 || key == null || key.isEmpty() || sha == null) {
                return null;
            }
            return new Store.Record(
                    key,
                    fields.getOrDefault("url", ""),
                    fields.getOrDefault("uri-sha256", ""),
                    new Sha256(sha),
                    size,
                    Boolean.parseBoolean(fields.get("pinned")));
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    static String format(Store.Sidecar sidecar) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("uri-sha256", sidecar.uriHash());
        fields.put("url", sidecar.url());
        Validators validators = sidecar.validators();
        if (validators.etag() != null) {
            fields.put("etag", validators.etag());
        }
        if (validators.lastModified() != null) {
            fields.put("last-modified", validators.lastModified());
        }
        fields.put("length", Long.toString(sidecar.length()));
        fields.put("host", sidecar.owner().host());
        fields.put("pid", Long.toString(sidecar.owner().pid()));
        fields.put("start", Long.toString(sidecar.owner().startMillis()));
        if (sidecar.checkpointSha256() != null) {
            fields.put("checkpoint", sidecar.checkpointOffset() + " " + sidecar.checkpointSha256());
        }
        if (!sidecar.ranges().isEmpty()) {
            StringBuilder ranges = new StringBuilder();
            for (Store.Span span : sidecar.ranges()) {
                ranges.append(ranges.length() == 0 ? "" : " ")
                        .append(span.start())
                        .append('-')
                        .append(span.end());
            }
            fields.put("ranges", ranges.toString());
        }
        return RecordText.format(SIDECAR_HEADER, fields);
    }

    static Store.@Nullable Sidecar sidecar(@Nullable Map<String, String> fields) {
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
                if (parts.length == 2 && Store.KeyId.isHex(parts[1])) {
                    offset = Long.parseLong(parts[0]);
                    sha = parts[1];
                }
            }
            return new Store.Sidecar(
                    uriHash,
                    fields.getOrDefault("url", ""),
                    new Validators(fields.get("etag"), fields.get("last-modified")),
                    RecordText.longField(fields, "length", -1),
                    new Store.Owner(fields.getOrDefault("host", ""), pid, RecordText.longField(fields, "start", 0)),
                    offset,
                    sha,
                    ranges(fields.get("ranges")));
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /** Sorted, disjoint spans; anything else is malformed (an exception: the whole sidecar reads as none). */
    private static List<Store.Span> ranges(@Nullable String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        List<Store.Span> spans = new ArrayList<>();
        long previousEnd = -1;
        for (String field : text.split(" ")) {
            int dash = field.indexOf('-');
            Store.Span span =
                    new Store.Span(Long.parseLong(field.substring(0, dash)), Long.parseLong(field.substring(dash + 1)));
            if (span.start() <= previousEnd) {
                throw new IllegalArgumentException("ranges out of order or overlapping: " + text);
            }
            previousEnd = span.end();
            spans.add(span);
        }
        return spans;
    }
}
