package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.InvalidRequestException;
import io.cachet.spi.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How a fetched artifact is printed on stdout: its absolute path, or with {@code --json} one
 * object on one line:
 *
 * <pre>
 * {"key":"...","url":"...","path":"/abs/blobs/sha256/ab/ab...","sha256":"ab...","size":123,"source":"download",
 *  "connections":8,"sources":["https://host/a.bin","https://mirror/a.bin"]}
 * </pre>
 *
 * With an output path ({@code fetch -o}, {@code fetch-all --output-dir}) the line is that path,
 * and the object adds {@code "output"}.
 *
 * {@code source} is {@code hit} (already cached), {@code download} (this process downloaded it),
 * {@code resumed} (this process finished an earlier, interrupted download), {@code waited}
 * (another caller, process or host of the fleet downloaded it while this one waited) or {@code
 * tier} (read from the fleet's tier, where another host had put it). {@code url} is the URL without
 * user info or fragment; its query is kept, as stdout is the caller's own result (messages on
 * stderr never show a query). {@code connections} is the most connections this process's download
 * had open at once (1 for one stream, 0 if it downloaded nothing), {@code sources} the URLs its
 * bytes came from, the request's own first, then mirrors (redacted, as in messages: a query shows
 * as {@code ?...}).
 */
final class Results {
    private Results() {}

    static String line(FetchRequest request, Artifact artifact, boolean json) {
        return line(request, artifact, null, json, Transfers.Used.NONE);
    }

    /**
     * The result of a fetch whose bytes were also put at {@code output} (when not null): then the
     * line is {@code output}, and the JSON object adds {@code "output"}. {@code used} tells the
     * connections and sources of this process's download.
     */
    static String line(
            FetchRequest request, Artifact artifact, @Nullable Path output, boolean json, Transfers.Used used) {
        if (!json) {
            return (output != null ? output : artifact.path()).toString();
        }
        boolean downloaded =
                artifact.source() == Artifact.Source.DOWNLOADED || artifact.source() == Artifact.Source.RESUMED;
        Json result = Json.object()
                .put("key", artifact.key().value())
                .put("url", shown(request.uri()))
                .put("path", artifact.path().toString())
                .put("sha256", artifact.sha256().hex())
                .put("size", artifact.size())
                .put("source", source(artifact.source()))
                .put("connections", downloaded ? used.connections() : 0)
                .put("sources", downloaded ? used.sources() : java.util.List.of());
        if (output != null) {
            result.put("output", output.toString());
        }
        return result.toString();
    }

    /**
     * With {@code --json}, what {@code fetch-all} prints in a failed line's place: the line's URL
     * and key as a result would show them, and the error: the exit code the line alone would have
     * had, and the message. A URL that is not valid is shown redacted and clipped, as in messages; a
     * key that is not valid as written; the key is null when the line names none and its URL is not
     * valid.
     *
     * <pre>
     * {"url":"...","key":"...","error":{"exit":4,"message":"could not download ... (HTTP 404 Not Found) ..."}}
     * </pre>
     */
    static String failure(Manifest.Line line, int exit, String message) {
        FetchRequest request = line.request();
        if (request == null) {
            try {
                request = FetchRequest.of(line.url()); // Only the URL and its key are wanted here.
            } catch (InvalidRequestException e) {
                request = null;
            }
        }
        String key = line.key();
        return Json.object()
                .put("url", request != null ? shown(request.uri()) : Messages.shortUrl(line.url()))
                .put(
                        "key",
                        key != null
                                ? Text.printable(key, Messages.MAX_WORD)
                                : request != null ? request.key().value() : null)
                .put("error", Json.object().put("exit", exit).put("message", message))
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
