package io.cachet.internal.store;

import io.cachet.Sha256;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Reads what is in {@code tmp/} and {@code blobs/}: one pass over a directory each. */
final class Listing {
    private static final Pattern UNIQUE = Pattern.compile("[0-9A-Za-z-]{1,64}");

    private Listing() {}

    /**
     * The part files of {@code id} (and sidecars without a part), each with its sidecar, from {@code
     * names}: the names in {@code tmp/} that start with the id and a dot.
     */
    static List<Store.Part> parts(Layout layout, Store.KeyId id, List<String> names) throws IOException {
        int prefix = id.hex().length() + 1;
        Map<String, long[]> sizes = new LinkedHashMap<>();
        for (String name : names) {
            String rest = name.substring(prefix);
            if (rest.endsWith(Layout.PART_SUFFIX)) {
                String unique = rest.substring(0, rest.length() - Layout.PART_SUFFIX.length());
                sizes.computeIfAbsent(unique, u -> new long[] {-1})[0] =
                        regularSize(layout.tmp().resolve(name));
            } else if (rest.endsWith(Layout.SIDECAR_SUFFIX)) {
                sizes.computeIfAbsent(
                        rest.substring(0, rest.length() - Layout.SIDECAR_SUFFIX.length()), u -> new long[] {-1});
            }
        }
        List<Store.Part> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : sizes.entrySet()) {
            String unique = e.getKey();
            if (!UNIQUE.matcher(unique).matches()) {
                continue;
            }
            Store.Sidecar sidecar =
                    RecordFiles.sidecar(RecordText.read(layout.sidecar(id, unique), RecordFiles.SIDECAR_HEADER));
            out.add(new Store.Part(unique, layout.part(id, unique), sidecar, e.getValue()[0]));
        }
        return out;
    }

    /** Every regular file in {@code blobs/sha256/ab/} whose name is a digest starting with {@code ab}. */
    static List<Store.Blob> blobs(Layout layout) throws IOException {
        List<Store.Blob> out = new ArrayList<>();
        try (DirectoryStream<Path> fanout = Files.newDirectoryStream(layout.blobs())) {
            for (Path sub : fanout) {
                if (!Files.isDirectory(sub, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> dir = Files.newDirectoryStream(sub)) {
                    for (Path blob : dir) {
                        String name = blob.getFileName().toString();
                        if (!Store.KeyId.isHex(name)
                                || !name.startsWith(sub.getFileName().toString())) {
                            continue;
                        }
                        try {
                            BasicFileAttributes a =
                                    Files.readAttributes(blob, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                            if (a.isRegularFile()) {
                                out.add(new Store.Blob(
                                        new Sha256(name),
                                        blob,
                                        a.size(),
                                        a.lastModifiedTime().toInstant()));
                            }
                        } catch (NoSuchFileException raced) {
                            // Evicted while we listed.
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Every {@code tmp/*.new} file: records and sidecars being written. */
    static List<Path> temporaries(Layout layout) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.tmp())) {
            for (Path path : dir) {
                if (path.getFileName().toString().endsWith(Layout.NEW_SUFFIX)) {
                    out.add(path);
                }
            }
        }
        return out;
    }

    /**
     * Deletes {@code tmp/<name>.<unique>.new} files whose writer {@code gone} says is gone.
     *
     * @return how many it deleted
     */
    static int collectTemporaries(Layout layout, Predicate<String> gone) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.tmp())) {
            for (Path path : dir) {
                String name = path.getFileName().toString();
                if (!name.endsWith(Layout.NEW_SUFFIX)) {
                    continue;
                }
                String stem = name.substring(0, name.length() - Layout.NEW_SUFFIX.length());
                int dot = stem.lastIndexOf('.');
                if (dot < 0) {
                    continue;
                }
                String unique = stem.substring(dot + 1);
                if (UNIQUE.matcher(unique).matches() && gone.test(unique)) {
                    if (Files.deleteIfExists(path)) {
                        removed++;
                    }
                }
            }
        }
        return removed;
    }

    /** The total size of the regular files directly in {@code dir}; 0 when there is no such directory. */
    static long bytesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long total = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path path : entries) {
                total += Math.max(0, regularSize(path));
            }
        }
        return total;
    }

    /**
     * The blobs in {@code quarantine/}, each with when it was put there: the time in its name
     * ({@code <sha>.<epoch millis>}), else its modification time.
     */
    static List<Store.Quarantined> quarantined(Layout layout) throws IOException {
        List<Store.Quarantined> out = new ArrayList<>();
        if (!Files.isDirectory(layout.quarantine(), LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(layout.quarantine())) {
            for (Path path : dir) {
                try {
                    BasicFileAttributes a =
                            Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile()) {
                        out.add(new Store.Quarantined(path, a.size(), quarantinedAt(path, a)));
                    }
                } catch (NoSuchFileException raced) {
                    // Deleted while we listed.
                }
            }
        }
        return out;
    }

    private static java.time.Instant quarantinedAt(Path path, BasicFileAttributes a) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot > 0 && dot < name.length() - 1) {
            try {
                return java.time.Instant.ofEpochMilli(Long.parseLong(name.substring(dot + 1)));
            } catch (NumberFormatException notOurs) {
                // Named by someone else: its modification time says how old it is.
            }
        }
        return a.lastModifiedTime().toInstant();
    }

    /** A regular file's size; -1 for anything else, or if it vanished. */
    private static long regularSize(Path path) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a.size() : -1;
        } catch (NoSuchFileException raced) {
            return -1;
        }
    }
}
