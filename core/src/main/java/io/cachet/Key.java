package io.cachet;

import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The name under which a caller asks for an artifact: either a name the caller chooses
 * ({@code resnet50-v2}) or, when none is given, the artifact's URI.
 *
 * <p>A key never becomes a path: the store files it under the SHA-256 of its text. Names are
 * still kept strict so that they read well in listings and cannot smuggle anything into logs:
 *
 * <ul>
 *   <li>a name is 1 to 200 characters of {@code A-Z a-z 0-9 . _ - + = @ : , ~}, and does not
 *       contain {@code ..};
 *   <li>a URI key is an absolute {@code http}, {@code https} or {@code file} URI without user
 *       info or fragment, at most 2048 characters.
 * </ul>
 *
 * @param value the name or URI text
 */
public record Key(String value) {
    static final int MAX_NAME_LENGTH = 200;
    static final int MAX_URI_LENGTH = 2048;

    /** Validates {@code value}. */
    public Key {
        String problem = problemWith(value);
        if (problem != null) {
            throw InvalidRequestException.of(
                    "key", value == null ? "null" : '"' + Text.printable(clip(value)) + '"', problem);
        }
    }

    /** A key chosen by the caller. */
    public static Key of(String name) {
        return new Key(name);
    }

    /**
     * The key used when a request names none: the URI in its normalized form, without user info and
     * fragment. Normalization is RFC 3986's only (scheme and host in lower case, no default port,
     * no dot segments, percent-encoded unreserved characters decoded and other escapes in upper
     * case), so two URIs share a key only if they name the same resource: {@code %26} and {@code &},
     * {@code %2F} and {@code /}, {@code %2B} and {@code +} stay different.
     */
    public static Key of(URI uri) {
        return new Key(UriKeys.normalize(uri));
    }

    /** Whether this key is a URI rather than a chosen name. */
    public boolean isUri() {
        return looksLikeUri(value);
    }

    /** The key as it may appear in messages and logs: a URI key's query is shown as {@code ?...}. */
    @Override
    public String toString() {
        if (!isUri()) {
            return value;
        }
        try {
            return Text.redact(new URI(value));
        } catch (URISyntaxException e) {
            return value;
        }
    }

    private static @Nullable String problemWith(String value) {
        if (value == null || value.isEmpty()) {
            return "a key must not be empty; pass a name such as \"model-v1\", or leave the key out to use the URI";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "a key must not contain control characters (found U+" + String.format("%04X", (int) c) + ")";
            }
        }
        if (looksLikeUri(value)) {
            return uriProblem(value);
        }
        if (value.length() > MAX_NAME_LENGTH) {
            return "a key is at most " + MAX_NAME_LENGTH + " characters, this one has " + value.length();
        }
        if (value.indexOf('/') >= 0 || value.indexOf('\\') >= 0) {
            return "a key must not contain '/' or '\\'; use '-' or '.' to build structured names such as \"org.model-v1\"";
        }
        if (value.contains("..")) {
            return "a key must not contain \"..\"";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && "._-+=@:,~".indexOf(c) < 0) {
                return "a key may use only A-Z a-z 0-9 and . _ - + = @ : , ~ (found '" + c + "')";
            }
        }
        return null;
    }

    private static boolean looksLikeUri(String value) {
        String lower =
                value.length() > 8 ? value.substring(0, 8).toLowerCase(Locale.ROOT) : value.toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("file:");
    }

    private static @Nullable String uriProblem(String value) {
        if (value.length() > MAX_URI_LENGTH) {
            return "a URI key is at most " + MAX_URI_LENGTH + " characters, this one has " + value.length();
        }
        try {
            URI uri = new URI(value);
            if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                return "a URI key must not carry user info or a fragment; build it with Key.of(URI)";
            }
            return null;
        } catch (URISyntaxException e) {
            return "a key that starts like a URI must be a valid URI: " + e.getReason();
        }
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
