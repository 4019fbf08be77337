package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.TestClients;
import io.cachet.reactor.testing.Warmup;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What every end-to-end test has: the core engine on a fresh directory ({@link CacheFixture}
 * audits it after the test: every blob verified and read-only, no part file unless allowed, no
 * lock or flight left), {@link NettyOrigin} on this test's own client resources, and a {@link
 * FaultyServer}. Retries are fast (1 to 5 ms, no jitter) so no test waits for real backoff.
 */
@Timeout(60)
abstract class EndToEnd {
    static final Duration WAIT = Duration.ofSeconds(20);

    // Registration order matters: after each test the clients are disposed first, then the server
    // stops (and checks for leaks), then the cache is closed and audited.
    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @RegisterExtension
    final TestClients clients = new TestClients();

    @BeforeAll
    static void warmUp() {
        Warmup.once();
    }

    /** Retries after 1, 2, 4... ms (at most 5), no jitter. */
    static RetryPolicy fastRetries(int retries) {
        return RetryPolicy.defaults()
                .withMaxRetries(retries)
                .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .withJitter(0);
    }

    NettyOrigin origin() {
        return NettyOrigin.builder(clients.client()).build();
    }

    /** A cache on this test's directory with {@code origin}, the given retries and tweaks. */
    Cache cache(NettyOrigin origin, int retries, UnaryOperator<Cache.Builder> tweaks) {
        return fixture.open(
                tweaks.apply(Cache.builder().root(fixture.root()).origin(origin).retry(fastRetries(retries))));
    }

    Cache cache(int retries) {
        return cache(origin(), retries, b -> b);
    }

    EventRecorder record(Cache cache) {
        return fixture.record(cache);
    }

    static FetchRequest pinned(URI uri, byte[] body) {
        return FetchRequest.of(uri).withSha256(Bytes.sha256(body)).withSize(body.length);
    }

    static Sha256 sha(byte[] body) {
        return Bytes.sha256(body);
    }

    /** The digests of every blob in the cache. */
    List<String> blobs() {
        Path dir = fixture.root().resolve("blobs").resolve("sha256");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Part files in the cache's tmp directory. */
    List<Path> parts() {
        Path tmp = fixture.root().resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cache holds exactly the verified blob of {@code body} and no part file. */
    void assertHoldsOnly(byte[] body) {
        assertThat(blobs()).containsExactly(sha(body).hex());
        assertThat(parts()).isEmpty();
    }

    /** The cache holds no blob and no part file. */
    void assertHoldsNothing() {
        assertThat(blobs()).isEmpty();
        assertThat(parts()).isEmpty();
    }
}
