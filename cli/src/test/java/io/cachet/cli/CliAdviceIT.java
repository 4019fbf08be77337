package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.TestCertificates;
import io.cachet.testing.Bytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Advice a command-line user can follow: where the engine's message names a Java API (a builder
 * method), the real {@code cachet} jar names its own option or environment variable, and that
 * option works.
 */
@Timeout(120)
class CliAdviceIT {
    static final byte[] BODY = Bytes.random(64 * 1024, 41);
    static final Sha256 SHA = Bytes.sha256(BODY);
    static final List<String> JAVA_NAMES =
            List.of("trustedCertificates", "NettyOrigin", "Builder.", "sharedWithGroup", "(true)");

    @RegisterExtension
    final FaultyServer https = new FaultyServer().tls();

    @TempDir
    Path tmp;

    private Path pem(TestCertificates certificate) throws Exception {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(certificate.certificate().getEncoded());
        return Files.writeString(
                tmp.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n");
    }

    // ---- TLS ------------------------------------------------------------------------------------

    @Test
    void anUntrustedCertificateSaysToPassItWithCaCertAndCaCertThenWorks() throws Exception {
        https.serve("/model.bin", BODY);
        String url = https.url("/model.bin").toString();
        Path pem = pem(TestCertificates.LOCALHOST);

        CachetProcess untrusted =
                CachetProcess.run(tmp, "fetch", url, "--sha256", SHA.hex(), "--cache-dir", tmp + "/c1");
        CachetProcess flag = CachetProcess.run(
                tmp, "fetch", url, "--sha256", SHA.hex(), "--cache-dir", tmp + "/c2", "--ca-cert", pem.toString());
        CachetProcess variable = CachetProcess.run(
                tmp,
                Map.of("CACHET_CA_CERT", pem.toString()),
                "fetch",
                url,
                "--sha256",
                SHA.hex(),
                "--cache-dir",
                tmp + "/c3");

        assertThat(untrusted.code()).as(untrusted.toString()).isEqualTo(4);
        assertThat(untrusted.err()).contains("is not trusted", "--ca-cert FILE", "CACHET_CA_CERT");
        assertThat(untrusted.err()).as(untrusted.toString()).doesNotContain(JAVA_NAMES);
        for (CachetProcess trusted : List.of(flag, variable)) {
            assertThat(trusted.code()).as(trusted.toString()).isZero();
            assertThat(Files.readAllBytes(Path.of(trusted.out().strip()))).isEqualTo(BODY);
        }
    }

    @Test
    void aCaCertFileThatCannotBeUsedIsAUsageErrorBeforeAnyRequest() throws Exception {
        String url = https.url("/model.bin").toString();
        Path notACertificate = Files.writeString(tmp.resolve("notes.txt"), "not a certificate\n");

        CachetProcess missing = CachetProcess.run(
                tmp,
                "fetch",
                url,
                "--cache-dir",
                tmp + "/c",
                "--ca-cert",
                tmp.resolve("nope.pem").toString());
        CachetProcess garbage = CachetProcess.run(
                tmp, Map.of("CACHET_CA_CERT", notACertificate.toString()), "fetch", url, "--cache-dir", tmp + "/c");

        assertThat(missing.code()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("--ca-cert", "nope.pem", "no such file");
        assertThat(garbage.code()).as(garbage.toString()).isEqualTo(2);
        assertThat(garbage.err()).contains("CACHET_CA_CERT", "notes.txt", "no certificate");
        assertThat(https.requestCount()).isZero();
    }

    @Test
    void aProxyVariableThatCannotBeUsedIsAUsageErrorForFetchAndNoMatterForLs() throws Exception {
        Map<String, String> env = Map.of("https_proxy", "ftp://user:s3cr3t@proxy.invalid");
        String url = https.url("/model.bin").toString();

        CachetProcess fetch = CachetProcess.run(tmp, env, "fetch", url, "--cache-dir", tmp + "/c");
        CachetProcess ls = CachetProcess.run(tmp, env, "ls", "--cache-dir", tmp + "/c");

        assertThat(fetch.code()).as(fetch.toString()).isEqualTo(2);
        assertThat(fetch.err())
                .contains("cannot use the proxy settings", "https_proxy", "http:// or socks5://")
                .doesNotContain("s3cr3t", "\tat ");
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(https.requestCount()).isZero();
    }

    // ---- a cache several users share ------------------------------------------------------------

    @Test
    void sharedWithGroupMakesTheCacheGroupWritableByFlagOrVariable() throws Exception {
        Path file = Files.write(tmp.resolve("artifact.bin"), BODY);
        String url = file.toUri().toString();

        CachetProcess flag = CachetProcess.run(tmp, "fetch", url, "--cache-dir", tmp + "/c1", "--shared-with-group");
        CachetProcess variable = CachetProcess.run(
                tmp, Map.of("CACHET_SHARED_WITH_GROUP", "1"), "fetch", url, "--cache-dir", tmp + "/c2");
        CachetProcess alone = CachetProcess.run(tmp, "fetch", url, "--cache-dir", tmp + "/c3");

        for (CachetProcess p : List.of(flag, variable, alone)) {
            assertThat(p.code()).as(p.toString()).isZero();
        }
        assertThat(Files.getPosixFilePermissions(tmp.resolve("c1/locks")))
                .isEqualTo(PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("c2/locks")))
                .isEqualTo(PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("c3/locks")))
                .isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aBadSharedWithGroupValueIsAUsageError() throws Exception {
        CachetProcess p =
                CachetProcess.run(tmp, Map.of("CACHET_SHARED_WITH_GROUP", "maybe"), "ls", "--cache-dir", tmp + "/c");

        assertThat(p.code()).as(p.toString()).isEqualTo(2);
        assertThat(p.err()).contains("CACHET_SHARED_WITH_GROUP", "'maybe'", "1 or 0");
    }

    @Test
    void aUserWhoMayNotWriteTheCacheIsToldAboutSharedWithGroupInCliTerms() throws Exception {
        Path setpriv = Path.of("/usr/bin/setpriv");
        Assumptions.assumeTrue(
                Files.isExecutable(setpriv) && "root".equals(System.getProperty("user.name")),
                "running cachet as another user needs root and util-linux 'setpriv'");
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.write(shared.resolve("artifact.bin"), BODY);
        CachetProcess owner = CachetProcess.run(tmp, "fetch", file.toUri().toString(), "--cache-dir", shared + "/c");
        assertThat(owner.code()).as(owner.toString()).isZero();
        Path other = Files.write(shared.resolve("other.bin"), new byte[] {1, 2, 3});
        List<String> command = new ArrayList<>(
                List.of(setpriv.toString(), "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"));
        command.addAll(CachetProcess.command(
                List.of("-Xshare:off"), "fetch", other.toUri().toString(), "--cache-dir", shared + "/c"));

        CachetProcess nobody = CachetProcess.start(tmp, Map.of("HOME", "/nonexistent"), command);

        assertThat(nobody.await()).as(nobody.toString()).isEqualTo(5);
        assertThat(nobody.err())
                .contains("permission denied", "--shared-with-group", "CACHET_SHARED_WITH_GROUP=1")
                .doesNotContain(JAVA_NAMES);
    }
}
