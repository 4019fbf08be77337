package io.cachet.spi;

import java.net.URI;
import reactor.core.publisher.Mono;

/**
 * Where bytes come from: the one thing a transport implements.
 *
 * <p>Cachet asks an origin for an artifact from a byte offset and streams the body it returns
 * to disk. Everything else (single flight, locks, retries, verification, the commit) is the
 * engine's job; an origin only speaks its protocol and reports failures as {@link OriginFailure}
 * or as the {@link java.io.IOException} its transport raised.
 *
 * <p>Characteristics an implementation must have:
 *
 * <ul>
 *   <li>{@link #open} is lazy: nothing happens until the returned {@code Mono} is subscribed, and
 *       each subscription is one request.
 *   <li>It does not block the subscribing thread.
 *   <li>It never follows a redirect to another scheme than {@code https} from {@code https}, and
 *       never carries credentials to another scheme, host or port.
 *   <li>It never decodes a compressed body into the artifact: it asks for identity encoding and
 *       fails if it gets anything else.
 * </ul>
 */
public interface Origin {

    /** Whether this origin serves {@code uri}, usually judged by its scheme. */
    boolean supports(URI uri);

    /**
     * Opens {@code request.uri()} from {@code request.offset()}.
     *
     * <p>When the offset is above 0, or the request is {@linkplain OriginRequest#isBounded()
     * bounded}, the origin asks for that range only, and only if the validators still match (HTTP
     * {@code Range} with {@code If-Range} when there are validators). It answers {@link
     * OriginResponse#partial} when it got exactly the range asked for (a bounded range that runs past
     * the artifact's end is cut at the end), and {@link OriginResponse#full} when the source sent the
     * whole artifact instead. A partial answer for another range than the one asked for is a
     * transient {@link OriginFailure}: the engine never splices bytes on a guess. A range that starts
     * at the end of the artifact is a partial response with an empty body.
     *
     * @return the response headers and body; an error if the origin refused or could not be reached
     */
    Mono<OriginResponse> open(OriginRequest request);

    /**
     * An origin for {@code file:} URIs, for air-gapped mirrors and tests. It is not enabled unless
     * added to a cache's builder, so a request cannot read local files by surprise.
     */
    static Origin files() {
        return new FileOrigin();
    }
}
