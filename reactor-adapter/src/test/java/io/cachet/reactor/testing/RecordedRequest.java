package io.cachet.reactor.testing;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One request as a {@link FaultyServer} or {@link RawServer} saw it.
 *
 * @param sequence its number on that server, from 0
 * @param method {@code GET}, {@code CONNECT}...
 * @param target the request target: a path with query, or {@code host:port} for {@code CONNECT}
 * @param version {@code HTTP/1.1} or {@code HTTP/2.0}
 * @param headers the headers, first value of each, names compared case-insensitively
 * @param connection which connection it came on (equal for requests on one connection)
 * @param unexpected whether no response was scripted for it (it got a 500)
 */
public record RecordedRequest(
        int sequence,
        String method,
        String target,
        String version,
        Map<String, String> headers,
        String connection,
        boolean unexpected,
        AtomicLong sent) {

    public RecordedRequest {
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        headers = Collections.unmodifiableMap(copy);
    }

    /** A header's value, or null. */
    public @Nullable String header(String name) {
        return headers.get(name);
    }

    /** The path without the query. */
    public String path() {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** How many body bytes the server handed to the connection for this request so far. */
    public long bytesSent() {
        return sent.get();
    }

    @Override
    public String toString() {
        return "#" + sequence + " " + method + " " + target + " " + version + " " + headers
                + (unexpected ? " (unexpected)" : "");
    }
}
