package io.cachet.cli;

import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A fetch-all manifest: one artifact a line, {@code URL [SHA256 [KEY]] [<MIRROR>...]}, fields
 * separated by blanks. Blank lines and lines starting with {@code #} are skipped. {@code -} in
 * place of the digest leaves the artifact unpinned while still naming a key. Fields in angle
 * brackets, anywhere after the URL, are mirrors of the artifact ({@link Mirrors}); a line with
 * mirrors needs its digest. A line that cannot be a request is kept, with its error, so that it
 * fails on its own and the other lines still run.
 *
 * <p>The text is UTF-8; a byte-order mark at the start (which some editors write) is skipped.
 * Lines end with LF, CR LF or CR. Bytes that are not UTF-8 make the whole manifest unusable (a
 * usage error naming the line, the byte and what to do): a line read in the wrong encoding could
 * name another artifact, so nothing is fetched.
 */
final class Manifest {
    private static final Pattern BLANKS = Pattern.compile("\\s+");
    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final byte[] UTF16_BE = {(byte) 0xFE, (byte) 0xFF};
    private static final byte[] UTF16_LE = {(byte) 0xFF, (byte) 0xFE};

    private Manifest() {}

    /**
     * One artifact of the manifest.
     *
     * @param number the line number, from 1
     * @param url the URL as written
     * @param key the key as written, or null if the line names none
     * @param request the request, or null if the line is invalid
     * @param error why the line is invalid, or null
     */
    record Line(
            int number,
            String url,
            @Nullable String key,
            @Nullable FetchRequest request,
            @Nullable CachetException error) {}

    /**
     * The artifacts of a manifest's bytes.
     *
     * @throws UsageException if the bytes are not UTF-8
     */
    static List<Line> read(byte[] bytes) {
        List<Line> lines = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = startsWith(bytes, UTF8_BOM) ? UTF8_BOM.length : 0;
        int number = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            number++;
            Line line = parse(number, decode(utf8, bytes, start, end, number));
            if (line != null) {
                lines.add(line);
            }
            boolean crlf = end + 1 < bytes.length && bytes[end] == '\r' && bytes[end + 1] == '\n';
            start = end + (crlf ? 2 : 1);
        }
        return lines;
    }

    /** Line {@code number}, {@code bytes[start, end)}, as text; a usage error if it is not UTF-8. */
    private static String decode(CharsetDecoder utf8, byte[] bytes, int start, int end, int number) {
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer out = CharBuffer.allocate(end - start);
        utf8.reset();
        CoderResult result = utf8.decode(in, out, true);
        if (!result.isError()) {
            result = utf8.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(at + result.length(), end); i++) {
                hex.append(hex.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "0x%02X", bytes[i] & 0xff));
            }
            String before = out.flip().toString();
            String hint = number == 1 && (startsWith(bytes, UTF16_BE) || startsWith(bytes, UTF16_LE))
                    ? "it looks like UTF-16; save the manifest as UTF-8"
                    : "save the manifest as UTF-8 (this looks like another encoding, such as Latin-1)";
            throw new UsageException("manifest line " + number + " is not valid UTF-8: " + hex + " at byte "
                    + (at - start + 1) + " of the line"
                    + (before.isEmpty() ? "" : ", after \"" + Messages.redact(before) + "\"")
                    + "; " + hint);
        }
        return out.flip().toString();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The artifact on this line, or null for a blank line or a comment. */
    static @Nullable Line parse(int number, String text) {
        String t = text.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return null;
        }
        List<String> fields = new ArrayList<>();
        List<String> mirrors = new ArrayList<>();
        for (String field : BLANKS.split(t)) {
            if (Mirrors.isField(field) && !fields.isEmpty()) {
                mirrors.add(field);
            } else {
                fields.add(field);
            }
        }
        String url = fields.get(0);
        String key = fields.size() > 2 ? fields.get(2) : null;
        try {
            if (fields.size() > 3) {
                throw new InvalidRequestException(
                        "manifest line",
                        "with " + fields.size() + " fields",
                        "write URL [SHA256 [KEY]] [<MIRROR>...], separated by blanks");
            }
            FetchRequest request = FetchRequest.of(url);
            if (fields.size() > 1 && !fields.get(1).equals("-")) {
                request = request.withSha256(fields.get(1));
            }
            if (fields.size() > 2) {
                request = request.withKey(fields.get(2));
            }
            if (!mirrors.isEmpty()) {
                List<String> urls = new ArrayList<>();
                for (String field : mirrors) {
                    urls.add(Mirrors.unwrap(field));
                }
                if (!request.isPinned()) {
                    throw new InvalidRequestException(
                            "manifest line",
                            "with " + mirrors.size() + (mirrors.size() == 1 ? " mirror" : " mirrors")
                                    + " and no SHA256",
                            "mirrors need the line's SHA256: only the pinned digest proves that a mirror serves the"
                                    + " same bytes");
                }
                request = request.withMirrors(Mirrors.parse(urls));
            }
            return new Line(number, url, key, request, null);
        } catch (InvalidRequestException e) {
            return new Line(number, url, key, null, e);
        }
    }
}
