package io.cachet.reactor.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * A scripted answer for {@link FaultyServer#enqueue}: status, headers, body, and what goes wrong.
 * Immutable; every method returns a changed copy.
 *
 * <pre>{@code
 * server.enqueue(Response.ok(body).etag("\"v1\"").disconnectAfter(4096));   // N3
 * server.enqueue(Response.status(503).header("Retry-After", "1"));           // N13
 * server.enqueue(Response.ok(body).trickle(1, Duration.ofMillis(20)));       // N9
 * }</pre>
 *
 * <p>Phases and effects: before the headers (close, or never answer), after the headers (close),
 * during the body after {@code n} bytes (close, TCP reset, stall), and pacing (trickle, throttle).
 */
public final class Response {
    /** Where the body stops and what happens then. */
    enum End {
        /** The whole body, then a normal end of response. */
        COMPLETE,
        /** The connection is closed (FIN) after {@link #cutAfter} body bytes. */
        CLOSE,
        /** The connection is reset (RST, SO_LINGER 0) after {@link #cutAfter} body bytes. */
        RESET,
        /** Nothing more is sent after {@link #cutAfter} body bytes; the connection stays open. */
        STALL
    }

    /** Before any header. */
    enum Start {
        /** Answer normally. */
        ANSWER,
        /** Close the connection without a byte. */
        CLOSE,
        /** Never answer; keep the connection open. */
        NEVER
    }

    final int status;
    final List<Map.Entry<String, String>> headers;
    final byte[] body;
    final boolean contentLength;
    final @Nullable Long declaredLength;
    final Start start;
    final End end;
    final long cutAfter;
    final int chunk;
    final @Nullable Duration every;
    final long flipAt;
    final boolean infinite;

    private Response(
            int status,
            List<Map.Entry<String, String>> headers,
            byte[] body,
            boolean contentLength,
            @Nullable Long declaredLength,
            Start start,
            End end,
            long cutAfter,
            int chunk,
            @Nullable Duration every,
            long flipAt,
            boolean infinite) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.contentLength = contentLength;
        this.declaredLength = declaredLength;
        this.start = start;
        this.end = end;
        this.cutAfter = cutAfter;
        this.chunk = chunk;
        this.every = every;
        this.flipAt = flipAt;
        this.infinite = infinite;
    }

    // ---- what is answered ----

    /** 200 with {@code body} and its Content-Length. */
    public static Response ok(byte[] body) {
        return status(200).body(body);
    }

    /** A status with an empty body. */
    public static Response status(int status) {
        return new Response(
                status, List.of(), new byte[0], true, null, Start.ANSWER, End.COMPLETE, -1, 8192, null, -1, false);
    }

    /** 206 with the bytes of {@code whole} from {@code from}, and the matching Content-Range. */
    public static Response partial(byte[] whole, long from) {
        return range(whole, from, whole.length - 1);
    }

    /** 206 with the bytes {@code first} to {@code last} (inclusive) of {@code whole}, and their Content-Range. */
    public static Response range(byte[] whole, long first, long last) {
        byte[] part = java.util.Arrays.copyOfRange(whole, (int) first, (int) last + 1);
        return status(206).body(part).header("Content-Range", "bytes " + first + "-" + last + "/" + whole.length);
    }

    /** A redirect to {@code location}. */
    public static Response redirect(int status, String location) {
        return status(status).header("Location", location);
    }

    /** 416 with {@code Content-Range: bytes *}{@code /total}. */
    public static Response rangeNotSatisfiable(long total) {
        return status(416).header("Content-Range", "bytes */" + total);
    }

    public Response body(byte[] bytes) {
        return new Response(
                status,
                headers,
                bytes.clone(),
                contentLength,
                declaredLength,
                start,
                end,
                cutAfter,
                chunk,
                every,
                flipAt,
                infinite);
    }

    /** Adds a header (several with the same name are sent as several lines). */
    public Response header(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new Response(
                status,
                more,
                body,
                contentLength,
                declaredLength,
                start,
                end,
                cutAfter,
                chunk,
                every,
                flipAt,
                infinite);
    }

    public Response etag(String etag) {
        return header("ETag", etag);
    }

    public Response lastModified(String date) {
        return header("Last-Modified", date);
    }

    /** Declares this Content-Length whatever the body is (a lie, if it differs). */
    public Response contentLength(long length) {
        return new Response(status, headers, body, true, length, start, end, cutAfter, chunk, every, flipAt, infinite);
    }

    /** No Content-Length: the body is sent chunked. */
    public Response chunked() {
        return new Response(status, headers, body, false, null, start, end, cutAfter, chunk, every, flipAt, infinite);
    }

    /** Sends the body gzip-compressed with {@code Content-Encoding: gzip}. */
    public Response gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body(out.toByteArray()).header("Content-Encoding", "gzip");
    }

    /** A chunked body that never ends (until the client goes away). */
    public Response infiniteBody() {
        return new Response(status, headers, body, false, null, start, end, cutAfter, chunk, every, flipAt, true);
    }

    /** Flips every bit of the body byte at {@code offset}: same size, wrong bytes. */
    public Response flipByte(long offset) {
        return new Response(
                status,
                headers,
                body,
                contentLength,
                declaredLength,
                start,
                end,
                cutAfter,
                chunk,
                every,
                offset,
                infinite);
    }

    // ---- what goes wrong ----

    /** Closes the connection before sending anything. */
    public Response disconnectAtStart() {
        return withStart(Start.CLOSE);
    }

    /** Never answers: the request is read, the connection stays open, no byte comes back. */
    public Response noResponse() {
        return withStart(Start.NEVER);
    }

    /** Sends the status line and headers, then closes the connection. */
    public Response disconnectAfterHeaders() {
        return withEnd(End.CLOSE, 0);
    }

    /** Sends {@code bytes} of the body, then closes the connection (FIN). */
    public Response disconnectAfter(long bytes) {
        return withEnd(End.CLOSE, bytes);
    }

    /** Sends {@code bytes} of the body, then resets the connection (RST). */
    public Response resetAfter(long bytes) {
        return withEnd(End.RESET, bytes);
    }

    /** Sends {@code bytes} of the body, then nothing more, with the connection left open. */
    public Response stallAfter(long bytes) {
        return withEnd(End.STALL, bytes);
    }

    /** Sends {@code bytes} bytes every {@code every}: a trickle. */
    public Response trickle(int bytes, Duration every) {
        return new Response(
                status,
                headers,
                body,
                contentLength,
                declaredLength,
                start,
                end,
                cutAfter,
                bytes,
                every,
                flipAt,
                infinite);
    }

    /** Sends about {@code bytesPerSecond}, in slices every 20 ms: slow but steady. */
    public Response throttle(long bytesPerSecond) {
        return trickle((int) Math.max(1, bytesPerSecond / 50), Duration.ofMillis(20));
    }

    private Response withStart(Start s) {
        return new Response(
                status, headers, body, contentLength, declaredLength, s, end, cutAfter, chunk, every, flipAt, infinite);
    }

    private Response withEnd(End e, long after) {
        return new Response(
                status, headers, body, contentLength, declaredLength, start, e, after, chunk, every, flipAt, infinite);
    }

    /** The body as sent, with any flipped byte. */
    byte[] bytes() {
        byte[] b = body.clone();
        if (flipAt >= 0 && flipAt < b.length) {
            b[(int) flipAt] = (byte) ~b[(int) flipAt];
        }
        return b;
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + body.length + " bytes, " + start + "/" + end + "]";
    }
}
