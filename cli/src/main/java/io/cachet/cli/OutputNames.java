package io.cachet.cli;

import io.cachet.FetchRequest;
import io.cachet.spi.Text;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The files {@code fetch-all --output-dir DIR} writes: one per manifest line, named after the
 * line's KEY, else the last segment of its URL's path (decoded). Decided for every line before
 * anything is fetched, so that a manifest whose lines cannot all be written is refused whole: a
 * name that is not a plain file name, and two lines that would write one file, are usage errors.
 * Lines that are invalid fail on their own and are given no name.
 */
final class OutputNames {
    private OutputNames() {}

    /**
     * The output path of each valid line, by line number.
     *
     * @throws UsageException if DIR cannot be written, a line has no usable name, or two share one
     */
    static Map<Integer, Path> assign(Path dir, List<Manifest.Line> lines) {
        Path directory = dir.toAbsolutePath();
        if (!Files.isDirectory(directory)) {
            throw new UsageException("--output-dir " + dir + " is not a directory; create it first");
        }
        if (!Files.isWritable(directory)) {
            throw new UsageException("--output-dir " + dir + " is not writable by this user");
        }
        Map<Integer, Path> outputs = new LinkedHashMap<>();
        Map<String, Integer> taken = new HashMap<>();
        for (Manifest.Line line : lines) {
            FetchRequest request = line.request();
            if (request == null) {
                continue;
            }
            String name = line.key() != null ? fileName(line.key()) : lastSegment(request);
            if (name == null && line.key() != null) {
                throw new UsageException("manifest line " + line.number() + ": the KEY '" + line.key()
                        + "' cannot name a file in --output-dir; give the line another KEY");
            }
            if (name == null) {
                throw new UsageException("manifest line " + line.number() + ": " + Messages.url(line.url())
                        + " has no file name at the end of its path to write in --output-dir; give the line a KEY,"
                        + " which names the file");
            }
            Integer other = taken.putIfAbsent(name, line.number());
            if (other != null) {
                throw new UsageException("manifest lines " + other + " and " + line.number() + " would both write "
                        + directory.resolve(name) + "; give one of them another KEY, which names its file");
            }
            outputs.put(line.number(), directory.resolve(name));
        }
        return outputs;
    }

    /** The last segment of the URL's path, decoded, if it is a plain {@linkplain #fileName file name}; else null. */
    private static @Nullable String lastSegment(FetchRequest request) {
        String raw = request.uri().getRawPath();
        if (raw == null || raw.isEmpty() || raw.endsWith("/")) {
            return null;
        }
        String segment = raw.substring(raw.lastIndexOf('/') + 1);
        try {
            return fileName(
                    java.net.URLDecoder.decode(segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    /** {@code name} if it is a plain file name: no separator, not {@code .} or {@code ..}, printable. */
    private static @Nullable String fileName(String name) {
        boolean plain = !name.isEmpty()
                && !name.equals(".")
                && !name.equals("..")
                && name.indexOf('/') < 0
                && name.indexOf('\\') < 0
                && name.equals(Text.printable(name))
                && name.length() <= 200;
        return plain ? name : null;
    }
}
