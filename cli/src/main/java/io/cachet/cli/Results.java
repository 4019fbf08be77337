package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * How a fetched artifact is printed on stdout: its absolute path, or with {@code --json} one
 * object on one line:
 *
 * <pre>
 * {"key":"...","url":"...","path":"/abs/blobs/sha256/ab/ab...","sha256":"ab...","size":123,"source":"download"}
 * </pre>
 *
 * {@code source} is {@code hit} (already cached), {@code download} (this process downloaded it),
 * {@code resumed} (this process finished an earlier, interrupted download) or {@code waited}
 * (another caller or process downloaded it while this one waited). {@code url} is the URL without
 * user info or fragment; its query is kept, as stdout is the caller's own result (messages on
 * stderr never show a query).
 */
final class Results {
    private Results() {}

    static String line(FetchRequest request, Artifact artifact, boolean json) {
        if (!json) {
            return artifact.path().toString();
        }
        return Json.object()
                .put("key", artifact.key().value())
                .put("url", shown(request.uri()))
                .put("path", artifact.path().toString())
                .put("sha256", artifact.sha256().hex())
                .put("size", artifact.size())
                .put("source", source(artifact.source()))
                .toString();
    }

    static String source(Artifact.Source source) {
        return source == Artifact.Source.DOWNLOADED ? "download" : source.name().toLowerCase(Locale.ROOT);
    }

    /** The URI without user info and fragment. */
    static String shown(URI uri) {
        if (uri.getRawUserInfo() == null && uri.getRawFragment() == null) {
            return uri.toString();
        }
        try {
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null)
                    .toString();
        } catch (URISyntaxException e) {
            return uri.getScheme() + "://" + uri.getHost() + "/...";
        }
    }
}
