package io.cachet.benchmarks;

import io.cachet.Sha256;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * The baseline "JDK {@code HttpClient} {@code ofFile}, then hash": download to a file, read it
 * back through a 1 MiB buffer into SHA-256, then the same durable commit as Cachet's (file sync,
 * atomic rename, directory sync).
 *
 * <p>{@code java -cp benchmarks.jar io.cachet.benchmarks.JdkHttpFetch URL SHA256 OUTPUT} exits 0
 * when OUTPUT holds the verified bytes, 1 if the digest did not match, 2 on any other failure.
 */
public final class JdkHttpFetch {
    private JdkHttpFetch() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: JdkHttpFetch URL SHA256 OUTPUT");
            System.exit(2);
        }
        Path target = Path.of(args[2]);
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            Sha256 expected = Sha256.parse(args[1]);
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<Path> response = client.send(
                    HttpRequest.newBuilder(URI.create(args[0])).build(), HttpResponse.BodyHandlers.ofFile(part));
            if (response.statusCode() != 200) {
                throw new IOException(args[0] + " answered " + response.statusCode());
            }
            Sha256 actual = hash(part);
            if (!actual.equals(expected)) {
                Files.deleteIfExists(part);
                System.err.println("jdk: digest mismatch: expected " + expected + ", got " + actual);
                System.exit(1);
            }
            Durable.commit(part, target, false);
            System.out.println(target.toAbsolutePath());
            System.exit(0);
        } catch (Exception e) {
            System.err.println("jdk: " + e);
            System.exit(2);
        }
    }

    static Sha256 hash(Path file) throws IOException {
        MessageDigest digest = Bodies.newDigest();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (in.read(buffer.clear()) >= 0) {
                digest.update(buffer.flip());
            }
        }
        return Sha256.of(digest.digest());
    }
}
