package io.cachet.cli;

import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.InvalidRequestException;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A fetch-all manifest: one artifact a line, {@code URL [SHA256 [KEY]]}, fields separated by
 * blanks. Blank lines and lines starting with {@code #} are skipped. {@code -} in place of the
 * digest leaves the artifact unpinned while still naming a key. A line that cannot be a request is
 * kept, with its error, so that it fails on its own and the other lines still run.
 */
final class Manifest {
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    private Manifest() {}

    /**
     * One artifact of the manifest.
     *
     * @param number the line number, from 1
     * @param url the URL as written
     * @param request the request, or null if the line is invalid
     * @param error why the line is invalid, or null
     */
    record Line(
            int number,
            String url,
            @Nullable FetchRequest request,
            @Nullable CachetException error) {}

    static List<Line> read(BufferedReader reader) throws IOException {
        List<Line> lines = new ArrayList<>();
        int number = 0;
        String text;
        while ((text = reader.readLine()) != null) {
            number++;
            Line line = parse(number, text);
            if (line != null) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The artifact on this line, or null for a blank line or a comment. */
    static @Nullable Line parse(int number, String text) {
        String t = text.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return null;
        }
        String[] fields = BLANKS.split(t);
        try {
            if (fields.length > 3) {
                throw new InvalidRequestException(
                        "manifest line",
                        "with " + fields.length + " fields",
                        "write URL [SHA256 [KEY]], separated by blanks");
            }
            FetchRequest request = FetchRequest.of(fields[0]);
            if (fields.length > 1 && !fields[1].equals("-")) {
                request = request.withSha256(fields[1]);
            }
            if (fields.length > 2) {
                request = request.withKey(fields[2]);
            }
            return new Line(number, fields[0], request, null);
        } catch (InvalidRequestException e) {
            return new Line(number, fields[0], null, e);
        }
    }
}
