package io.cachet.reactor.testing;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;

/**
 * Self-signed certificates for loopback TLS, made once with {@code keytool} (EC P-256, valid for a
 * century) and kept as test resources:
 *
 * <ul>
 *   <li>{@link #LOCALHOST}: {@code localhost}, {@code 127.0.0.1} and {@code 127.0.0.2}.
 *   <li>{@link #OTHER_HOST}: {@code other.invalid} only, for host-name mismatches.
 * </ul>
 *
 * <p>No client trusts them unless told to ({@code NettyOrigin.Builder.trustedCertificates}).
 */
public enum TestCertificates {
    LOCALHOST("localhost.p12"),
    OTHER_HOST("other-host.p12");

    private static final char[] PASSWORD = "cachet-test".toCharArray();

    private final String resource;

    TestCertificates(String resource) {
        this.resource = resource;
    }

    /** The certificate, to trust it. */
    public X509Certificate certificate() {
        try {
            return (X509Certificate) keyStore().getCertificate("server");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key and certificate, for a server. */
    public KeyManagerFactory keyManagers() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(), PASSWORD);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private KeyStore keyStore() throws GeneralSecurityException {
        try (InputStream in = TestCertificates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD);
            return store;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}
