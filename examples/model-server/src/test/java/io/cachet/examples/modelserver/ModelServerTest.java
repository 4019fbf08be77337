package io.cachet.examples.modelserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.LeakDetection;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The model server as its users meet it: the real application on a random port, real HTTP
 * requests, and an origin on loopback that injects faults.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
@Timeout(120)
class ModelServerTest {
    private static final int CLIENTS = 500;
    private static final byte[] RESNET = random(128_000, 1);
    private static final byte[] BERT = random(100_000, 2);
    private static final byte[] TINY = random(10_000, 3);
    private static final FaultyServer ORIGIN = new FaultyServer().start();
    private static final Path CACHE_DIR = tempDirectory();
    private static final ConnectionProvider CONNECTIONS = ConnectionProvider.builder("model-server-test")
            .maxConnections(CLIENTS)
            .pendingAcquireMaxCount(4 * CLIENTS)
            .build();

    @LocalServerPort
    int port;

    private WebTestClient client;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry properties) {
        properties.add("cachet.root", CACHE_DIR::toString);
        properties.add("cachet.retry.first-backoff", () -> "50ms");
        properties.add("cachet.retry.max-backoff", () -> "50ms");
        model(properties, "resnet", "/resnet.onnx", sha256(RESNET));
        model(properties, "bert", "/bert.bin", sha256(BERT));
        model(properties, "tampered", "/tampered.bin", sha256(TINY));
    }

    private static void model(DynamicPropertyRegistry properties, String name, String path, String sha256) {
        properties.add("models.catalog." + name + ".url", () -> ORIGIN.url(path).toString());
        properties.add("models.catalog." + name + ".sha256", () -> sha256);
    }

    @BeforeEach
    void client() {
        client = WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.create(CONNECTIONS)))
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(60))
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(1024 * 1024))
                .build();
    }

    @AfterAll
    static void stop() throws IOException {
        CONNECTIONS.disposeLater().block(Duration.ofSeconds(10));
        ORIGIN.close();
        LeakDetection.assertNoLeaks();
        try (Stream<Path> files = Files.walk(CACHE_DIR)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().setWritable(true));
        }
        try (Stream<Path> files = Files.walk(CACHE_DIR)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void fiveHundredClientsAskingForOneColdModelAtOnceCauseOneDownloadAndAllGetItsBytes(CapturedOutput output)
            throws Exception {
        ORIGIN.enqueue(Response.ok(RESNET)
                .etag(FaultyServer.etagOf(RESNET))
                .throttle(100_000)
                .disconnectAfter(50_000)); // the first attempt breaks off; the engine resumes it
        ORIGIN.serve("/resnet.onnx", RESNET);
        int before = ORIGIN.requestCount();

        Queue<String> problems = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(threads.submit(() -> {
                    start.await();
                    byte[] body = client.get()
                            .uri("/models/resnet")
                            .exchange()
                            .expectStatus()
                            .isOk()
                            .expectBody(byte[].class)
                            .returnResult()
                            .getResponseBody();
                    if (!Arrays.equals(body, RESNET)) {
                        problems.add("a client got " + (body == null ? "no body" : body.length + " other bytes"));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> c : clients) {
                c.get(90, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(problems).isEmpty();
        List<RecordedRequest> downloads = ORIGIN.requests().subList(before, ORIGIN.requestCount());
        assertThat(downloads)
                .as("one download: the interrupted first request, then one resume from where it broke off")
                .hasSize(2);
        assertThat(downloads.get(0).header("Range")).isNull();
        assertThat(downloads.get(1).header("Range")).startsWith("bytes=").doesNotStartWith("bytes=0-");
        assertThat(downloads.get(1).header("If-Range")).isEqualTo(FaultyServer.etagOf(RESNET));

        String metrics = client.get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(metrics)
                .contains("cachet_fetches_total{outcome=\"success\",source=\"resumed\"} 1.0")
                .contains("cachet_download_bytes_total " + (double) RESNET.length)
                .contains("cachet_downloads_seconds_count{outcome=\"success\"} 1")
                .containsPattern("cachet_retries_total\\{cause=\"[a-z_0-9]+\"} 1\\.0")
                .contains("cachet_downloads_active 0.0")
                .contains("cachet_lock_waiters 0.0")
                .contains("cachet_store_size_bytes");
        assertThat(output.getAll())
                .contains("download started: resnet from " + ORIGIN.url("/resnet.onnx"))
                .contains("download retrying: resnet, attempt 1 failed")
                .contains("download committed: resnet, 125.0 KiB (128000 bytes), resumed in ");
    }

    @Test
    void aRangeRequestGetsThoseBytesOnly() {
        ORIGIN.serve("/bert.bin", BERT);

        byte[] part = client.get()
                .uri("/models/bert")
                .header(HttpHeaders.RANGE, "bytes=1000-1999")
                .exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.PARTIAL_CONTENT)
                .expectHeader()
                .valueEquals(HttpHeaders.CONTENT_RANGE, "bytes 1000-1999/" + BERT.length)
                .expectHeader()
                .valueEquals(HttpHeaders.ETAG, "\"" + sha256(BERT) + "\"")
                .expectBody(byte[].class)
                .returnResult()
                .getResponseBody();

        assertThat(part).isEqualTo(Arrays.copyOfRange(BERT, 1000, 2000));
        client.get()
                .uri("/models/bert")
                .header(HttpHeaders.RANGE, "bytes=" + BERT.length + "-")
                .exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
    }

    @Test
    void bytesThatDoNotVerifyAreA502ThatSaysSoAndAreNeverServed() {
        ORIGIN.enqueue(Response.ok(TINY).flipByte(5000));

        String body = client.get()
                .uri("/models/tampered")
                .exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.BAD_GATEWAY)
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();

        assertThat(body).contains("SHA-256").contains("tampered");
        assertThat(client.get()
                        .uri("/actuator/prometheus")
                        .exchange()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody())
                .contains("cachet_integrity_failures_total{kind=\"digest_mismatch\"} 1.0");
    }

    @Test
    void anUnknownModelIsA404() {
        client.get().uri("/models/no-such-model").exchange().expectStatus().isNotFound();
    }

    @Test
    void theHealthEndpointShowsTheCache() {
        client.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.cachet.status")
                .isEqualTo("UP")
                .jsonPath("$.components.cachet.details.writable")
                .isEqualTo(true);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDirectory() {
        try {
            return Files.createTempDirectory("model-server-test-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
