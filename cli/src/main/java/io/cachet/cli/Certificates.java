package io.cachet.cli;

import io.cachet.spi.Text;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates to trust for https besides the system's, read from files the user names: PEM (one
 * or more {@code BEGIN CERTIFICATE} blocks, as CA bundles are) or DER. A file that cannot be read
 * or holds no certificate is a usage error naming the file and where it was named.
 */
final class Certificates {
    private Certificates() {}

    /** Every certificate in {@code files}; {@code source} names where the files were given. */
    static List<X509Certificate> read(List<Path> files, String source) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Path file : files) {
            certificates.addAll(read(file, source));
        }
        return certificates;
    }

    private static List<X509Certificate> read(Path file, String source) {
        String where = source + " " + Text.printable(file.toString(), Messages.MAX_WORD);
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (c instanceof X509Certificate x509) {
                    certificates.add(x509);
                }
            }
        } catch (NoSuchFileException e) {
            throw new UsageException(where + ": no such file");
        } catch (IOException e) {
            throw new UsageException(where + ": cannot read it (" + e.getMessage() + ")");
        } catch (CertificateException e) {
            throw new UsageException(where + ": no certificate could be read from it (" + e.getMessage()
                    + "); give a PEM or DER file of X.509 certificates");
        }
        if (certificates.isEmpty()) {
            throw new UsageException(where + ": no certificate in it; give a PEM or DER file of X.509 certificates");
        }
        return certificates;
    }
}
