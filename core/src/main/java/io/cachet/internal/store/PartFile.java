package io.cachet.internal.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One writer's part file in {@code tmp/} and its sidecar, as found on disk.
 *
 * @param unique the writer's unique name
 * @param part the part file
 * @param sidecarPath its sidecar
 * @param sidecar the parsed sidecar, or null if missing or unreadable
 * @param size the part's size, or -1 if only the sidecar exists
 */
public record PartFile(
        String unique,
        Path part,
        Path sidecarPath,
        @Nullable Sidecar sidecar,
        long size) {

    private static final Pattern UNIQUE = Pattern.compile("[0-9A-Za-z-]{1,64}");

    static List<PartFile> list(Layout layout, KeyId id) throws IOException {
        String prefix = id.hex() + ".";
        Map<String, long[]> sizes = new LinkedHashMap<>();
        // A prefix test, not a glob: a glob is a regular expression compiled per call and matched
        // against every name, and each download lists tmp/ once, with every part in flight in it.
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.tmp())) {
            for (Path path : dir) {
                String name = path.getFileName().toString();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                String rest = name.substring(prefix.length());
                if (rest.endsWith(Layout.PART_SUFFIX)) {
                    String unique = rest.substring(0, rest.length() - Layout.PART_SUFFIX.length());
                    long size = sizeOf(path);
                    sizes.computeIfAbsent(unique, u -> new long[] {-1})[0] = size;
                } else if (rest.endsWith(Layout.SIDECAR_SUFFIX)) {
                    sizes.computeIfAbsent(
                            rest.substring(0, rest.length() - Layout.SIDECAR_SUFFIX.length()), u -> new long[] {-1});
                }
            }
        }
        List<PartFile> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : sizes.entrySet()) {
            String unique = e.getKey();
            if (!UNIQUE.matcher(unique).matches()) {
                continue;
            }
            Path sidecarPath = layout.sidecar(id, unique);
            Sidecar sidecar = Sidecar.from(RecordText.read(sidecarPath, Sidecar.HEADER));
            out.add(new PartFile(unique, layout.part(id, unique), sidecarPath, sidecar, e.getValue()[0]));
        }
        return out;
    }

    private static long sizeOf(Path path) throws IOException {
        try {
            var attributes = Files.readAttributes(
                    path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() ? attributes.size() : -1;
        } catch (NoSuchFileException raced) {
            return -1;
        }
    }
}
