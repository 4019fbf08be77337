package io.cachet;

import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What to fetch, and what it must be.
 *
 * <pre>{@code
 * FetchRequest.of("https://models.example/resnet50.onnx")
 *     .withSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
 *     .withSize(102_400_000)
 *     .withKey("resnet50-v2")
 *     .withHeader("Authorization", "Bearer " + token);
 * }</pre>
 *
 * <p>Everything is validated here, before any I/O, and a bad value throws {@link
 * InvalidRequestException} naming the field and the fix.
 *
 * @param uri where the bytes come from: {@code http}, {@code https} or {@code file}
 * @param key the name the artifact is cached under; {@link Key#of(URI)} of the URI by default
 * @param sha256 the expected digest, or null to trust the first download and report its digest
 * @param size the expected size in bytes, or {@link #UNKNOWN_SIZE}
 * @param headers extra request headers, such as credentials; not part of the artifact's identity
 *     (sent to {@code uri}'s origin only, never to a mirror)
 * @param mirrors other URIs serving the same bytes, tried when {@code uri} fails, stalls or serves
 *     wrong bytes; only allowed with a pinned {@code sha256}, which is what makes them safe
 * @param verifyHit whether a hit is re-hashed before it is returned (a blob changed in place on disk
 *     is then caught, and downloaded again), at the cost of reading the whole file
 */
public record FetchRequest(
        URI uri,
        Key key,
        @Nullable Sha256 sha256,
        long size,
        Map<String, String> headers,
        List<URI> mirrors,
        boolean verifyHit) {

    /** The {@link #size} of a request that does not know how big the artifact is. */
    public static final long UNKNOWN_SIZE = -1;

    /** Validates every field. */
    public FetchRequest {
        checkUri(uri);
        if (key == null) {
            throw InvalidRequestException.of("key", "null", "leave the key out to use the URI, or pass a name");
        }
        if (size < UNKNOWN_SIZE) {
            throw InvalidRequestException.of(
                    "size",
                    Long.toString(size),
                    "the expected size must not be negative (use UNKNOWN_SIZE when unknown)");
        }
        headers = checkHeaders(headers);
        mirrors = checkMirrors(mirrors);
    }

    /** A request for {@code uri}, cached under the URI, unpinned, of unknown size. */
    public static FetchRequest of(URI uri) {
        checkUri(uri);
        return new FetchRequest(uri, Key.of(uri), null, UNKNOWN_SIZE, Map.of(), List.of(), false);
    }

    /** A request for the URI written as text. */
    public static FetchRequest of(String uri) {
        if (uri == null) {
            throw InvalidRequestException.of("uri", "null", "pass an absolute http, https or file URI");
        }
        try {
            return of(new URI(uri.strip()));
        } catch (URISyntaxException e) {
            throw InvalidRequestException.of(
                    "uri", '"' + Text.printable(uri, 200) + '"', "not a valid URI (" + e.getReason() + ")");
        }
    }

    /** The same request cached under {@code key}. */
    public FetchRequest withKey(Key key) {
        return new FetchRequest(uri, key, sha256, size, headers, mirrors, verifyHit);
    }

    /** The same request cached under the name {@code key}. */
    public FetchRequest withKey(String key) {
        return withKey(Key.of(key));
    }

    /** The same request, pinned to {@code sha256}. */
    public FetchRequest withSha256(@Nullable Sha256 sha256) {
        return new FetchRequest(uri, key, sha256, size, headers, mirrors, verifyHit);
    }

    /** The same request, pinned to the digest written in hex. */
    public FetchRequest withSha256(String sha256) {
        return withSha256(Sha256.parse(sha256));
    }

    /** The same request, expecting exactly {@code size} bytes. */
    public FetchRequest withSize(long size) {
        return new FetchRequest(uri, key, sha256, size, headers, mirrors, verifyHit);
    }

    /** The same request with one more header (replacing one of the same name). */
    public FetchRequest withHeader(String name, String value) {
        Map<String, String> more = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        more.putAll(headers);
        more.put(name, value);
        return new FetchRequest(uri, key, sha256, size, more, mirrors, verifyHit);
    }

    /**
     * The same request, also served by {@code mirrors} (tried in order when the URI fails, stalls or
     * serves wrong bytes). Mirrors need a pinned digest: a fetch with mirrors and no digest fails
     * with {@link InvalidRequestException} before any request.
     */
    public FetchRequest withMirrors(URI... mirrors) {
        return new FetchRequest(uri, key, sha256, size, headers, List.of(mirrors), verifyHit);
    }

    /** The same request, re-hashing a hit before returning it ({@code true}), or trusting it. */
    public FetchRequest withVerifyHit(boolean verifyHit) {
        return new FetchRequest(uri, key, sha256, size, headers, mirrors, verifyHit);
    }

    /** Whether the request pins a digest. */
    public boolean isPinned() {
        return sha256 != null;
    }

    @Override
    public String toString() {
        return "FetchRequest["
                + Text.redact(uri)
                + (key.isUri() ? "" : " as " + key)
                + (sha256 == null ? "" : " sha256=" + sha256)
                + (size == UNKNOWN_SIZE ? "" : " size=" + size)
                + (headers.isEmpty() ? "" : " headers=" + headers.keySet())
                + (mirrors.isEmpty() ? "" : " mirrors=" + mirrors.size())
                + (verifyHit ? " verify-hit" : "")
                + "]";
    }

    private static void checkUri(URI uri) {
        checkUri(uri, "uri");
    }

    private static void checkUri(URI uri, String field) {
        if (uri == null) {
            throw InvalidRequestException.of(field, "null", "pass an absolute http, https or file URI");
        }
        if (!uri.isAbsolute() || uri.isOpaque()) {
            throw InvalidRequestException.of(field, shown(uri), "the URI must be absolute, like https://host/path");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    throw InvalidRequestException.of(field, shown(uri), "an http(s) URI needs a host");
                }
            }
            case "file" -> {
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    throw InvalidRequestException.of(field, shown(uri), "a file URI needs a path");
                }
            }
            default ->
                throw InvalidRequestException.of(
                        field,
                        shown(uri),
                        "the scheme '" + Text.printable(scheme, 20) + "' is not supported; use http, https or file");
        }
    }

    /** The URI as an error message shows it; only made for messages (every request is checked). */
    private static String shown(URI uri) {
        return '"' + Text.redact(uri) + '"';
    }

    private static List<URI> checkMirrors(List<URI> mirrors) {
        if (mirrors == null || mirrors.isEmpty()) {
            return List.of();
        }
        for (URI mirror : mirrors) {
            checkUri(mirror, "mirror");
        }
        return List.copyOf(mirrors);
    }

    private static Map<String, String> checkHeaders(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : headers.entrySet()) {
            String name = e.getKey();
            String problem = Text.headerProblem(name, e.getValue());
            if (problem != null) {
                throw InvalidRequestException.of(
                        "header", name == null ? "null" : '"' + Text.printable(name, 80) + '"', problem);
            }
            copy.put(name, e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }
}
