package io.cachet.reactor.internal;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.Text;
import io.netty.channel.ChannelException;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.netty.channel.AbortedException;

/**
 * Turns what reactor-netty and Netty raise into what the engine classifies correctly. The engine
 * retries {@link IOException}s and {@link TimeoutException}s and treats any other runtime
 * exception as an unexpected, permanent failure, so:
 *
 * <ul>
 *   <li>A certificate the JDK does not trust, or one for another host, is permanent: retrying
 *       cannot fix it, and Cachet never falls back to plain http or to trusting everything.
 *       Other TLS failures (a handshake cut short) stay transient I/O errors.
 *   <li>Netty's read and write timeouts and reactor-netty's aborted connections become transient.
 *   <li>A full or slow connection pool is transient, with a message that names the pool.
 *   <li>A response Netty could not decode (conflicting {@code Content-Length}, a header line too
 *       long, a broken chunk) is permanent: the origin will send the same again.
 * </ul>
 */
final class TransportErrors {
    private TransportErrors() {}

    static Throwable map(Throwable t, String host) {
        if (t instanceof OriginFailure) {
            return t;
        }
        SSLException tls = find(t, SSLException.class);
        if (tls != null && find(t, CertificateException.class) != null) {
            return new OriginFailure(
                    "the TLS certificate of " + host + " is not trusted ("
                            + message(find(t, CertificateException.class))
                            + "); Cachet does not connect to it. Fix the server's certificate, or if it comes from a private CA,"
                            + " add that CA with NettyOrigin.Builder.trustedCertificates",
                    0,
                    false,
                    null,
                    t);
        }
        String name = t.getClass().getSimpleName();
        if (name.equals("PoolAcquirePendingLimitException")) {
            return new OriginFailure(
                    "too many requests are waiting for a connection to " + host + " (" + message(t)
                            + "); give the HttpClient's ConnectionProvider more connections or a longer pending queue",
                    0,
                    true,
                    null,
                    t);
        }
        if (name.equals("PoolAcquireTimeoutException")) {
            return new OriginFailure(
                    "no pooled connection to " + host + " became free in time (" + message(t)
                            + "); give the HttpClient's ConnectionProvider more connections",
                    0,
                    true,
                    null,
                    t);
        }
        if (t instanceof IOException || t instanceof TimeoutException) {
            return t;
        }
        if (t instanceof io.netty.handler.timeout.TimeoutException) {
            return new OriginFailure("the connection to " + host + " timed out (" + name + ")", 0, true, null, t);
        }
        if (t instanceof AbortedException) {
            return new IOException("the connection to " + host + " was closed: " + message(t), t);
        }
        if (t instanceof DecoderException) {
            return new OriginFailure(
                    "the origin " + host + " sent a malformed HTTP response (" + message(t) + ")", 0, false, null, t);
        }
        if (t instanceof ChannelException) {
            return new IOException("the connection to " + host + " failed: " + message(t), t);
        }
        if (t instanceof IllegalArgumentException) {
            // Netty's HTTP decoder reports framing it refuses (conflicting or negative Content-Length,
            // Content-Length with chunked) as IllegalArgumentException.
            return new OriginFailure(
                    "the HTTP exchange with " + host + " failed (" + message(t) + ")", 0, false, null, t);
        }
        return t;
    }

    private static <T extends Throwable> @Nullable T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String message(@Nullable Throwable t) {
        if (t == null) {
            return "";
        }
        String m = t.getMessage();
        return Text.printable(m == null || m.isBlank() ? t.getClass().getSimpleName() : m, 200);
    }
}
