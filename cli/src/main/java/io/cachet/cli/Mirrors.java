package io.cachet.cli;

import io.cachet.InvalidRequestException;
import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Mirror URLs as people write them: {@code --mirror URL} on the command line, and {@code <URL>} in
 * a manifest line. Angle brackets are what RFC 3986 (appendix C) suggests for delimiting a URI in
 * text, and no URL, digest or key can contain them, so a manifest field in brackets is never taken
 * for anything but a mirror.
 */
final class Mirrors {
    private Mirrors() {}

    /** The mirrors as URIs; their schemes and hosts are checked by the request they join. */
    static URI[] parse(List<String> urls) {
        URI[] out = new URI[urls.size()];
        for (int i = 0; i < out.length; i++) {
            String url = urls.get(i).strip();
            try {
                out[i] = new URI(url);
            } catch (URISyntaxException e) {
                throw new InvalidRequestException(
                        "mirror", '"' + Text.printable(url, 200) + '"', "not a valid URL (" + e.getReason() + ")");
            }
        }
        return out;
    }

    /** Whether a manifest field names a mirror: it starts with {@code <}. */
    static boolean isField(String field) {
        return field.startsWith("<");
    }

    /** The URL inside a manifest field {@code <URL>}. */
    static String unwrap(String field) {
        if (field.length() < 3 || !field.endsWith(">")) {
            throw new InvalidRequestException(
                    "mirror",
                    '"' + Text.printable(field, 200) + '"',
                    "write a mirror as <URL>, with both angle brackets and no blank inside");
        }
        return field.substring(1, field.length() - 1);
    }
}
