package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.spi.OriginFailure;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import reactor.netty.channel.AbortedException;

class TransportErrorsTest {

    @Test
    void ioErrorsAndTimeoutsPassThroughForTheEngineToRetry() {
        ConnectException refused = new ConnectException("Connection refused");
        TimeoutException timeout = new TimeoutException("slow");

        assertThat(TransportErrors.map(refused, "h:1")).isSameAs(refused);
        assertThat(TransportErrors.map(timeout, "h:1")).isSameAs(timeout);
    }

    @Test
    void anUntrustedCertificateIsPermanentAndSaysWhatToDo() {
        SSLHandshakeException e = new SSLHandshakeException("PKIX path building failed");
        e.initCause(new CertificateException("unable to find valid certification path"));

        assertThat(TransportErrors.map(e, "h:443"))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse())
                .hasMessageContaining(
                        "the TLS certificate of h:443 is not trusted (unable to find valid certification path)")
                .hasMessageContaining("trustedCertificates");
    }

    @Test
    void aHandshakeCutShortStaysTransient() {
        SSLHandshakeException e =
                new SSLHandshakeException("Connection closed while SSL/TLS handshake was in progress");

        assertThat(TransportErrors.map(e, "h:443")).isSameAs(e);
    }

    @Test
    void nettyTimeoutsAreTransient() {
        assertThat(TransportErrors.map(ReadTimeoutException.INSTANCE, "h:1"))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isTrue())
                .hasMessage("the connection to h:1 timed out (ReadTimeoutException)");
    }

    @Test
    void anAbortedConnectionIsAnIoError() {
        assertThat(TransportErrors.map(new AbortedException("Connection has been closed"), "h:1"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Connection has been closed");
    }

    @Test
    void aResponseNettyCouldNotDecodeIsPermanent() {
        assertThat(TransportErrors.map(new TooLongFrameException("header too long"), "h:1"))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse())
                .hasMessage("the origin h:1 sent a malformed HTTP response (header too long)");
        assertThat(TransportErrors.map(new DecoderException("bad chunk"), "h:1"))
                .isInstanceOf(OriginFailure.class);
    }

    @Test
    void framingNettyRefusesIsPermanent() {
        assertThat(TransportErrors.map(new IllegalArgumentException("Multiple Content-Length values found"), "h:1"))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse())
                .hasMessageContaining("Multiple Content-Length values found");
    }

    @Test
    void aFullConnectionPoolIsTransientAndNamesThePool() {
        class PoolAcquirePendingLimitException extends RuntimeException {
            private static final long serialVersionUID = 1L;

            PoolAcquirePendingLimitException() {
                super("Pending acquire queue has reached its maximum size of 8");
            }
        }

        assertThat(TransportErrors.map(new PoolAcquirePendingLimitException(), "h:1"))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isTrue())
                .hasMessageContaining("ConnectionProvider");
    }

    @Test
    void anOriginFailureIsKept() {
        OriginFailure f = OriginFailure.permanentFailure("no");

        assertThat(TransportErrors.map(f, "h:1")).isSameAs(f);
    }
}
