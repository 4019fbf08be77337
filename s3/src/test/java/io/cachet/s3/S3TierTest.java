package io.cachet.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.Sha256;
import io.cachet.reactor.testing.LeakDetection;
import io.cachet.s3.testing.S3FaultProxy.Conditional;
import io.cachet.s3.testing.S3Server;
import io.cachet.spi.BlobTier.KeyRecord;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import io.cachet.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@Timeout(120)
class S3TierTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MIB = 1 << 20;

    @RegisterExtension
    static final S3Server s3 = new S3Server();

    @TempDir
    Path dir;

    private final List<S3Tier> tiers = new ArrayList<>();
    private String bucket;

    @BeforeEach
    void newBucket() {
        bucket = s3.newBucket();
    }

    @AfterEach
    void closeEveryClientAndCheckForLeaks() {
        tiers.forEach(S3Tier::close);
        Await.until(
                "the SDK's threads have stopped",
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive()
                                && (t.getName().startsWith("aws-java-sdk-NettyEventLoop")
                                        || t.getName().startsWith("sdk-async-response"))));
        LeakDetection.checkAfterTest();
    }

    private S3Tier tier() {
        return tier(b -> {});
    }

    private S3Tier tier(Consumer<S3Tier.Builder> more) {
        S3Tier.Builder builder = S3Tier.builder()
                .endpoint(s3.endpoint())
                .bucket(bucket)
                .prefix("cache")
                .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)
                .multipart(6 * MIB, 5 * MIB);
        more.accept(builder);
        S3Tier tier = builder.build();
        tiers.add(tier);
        return tier;
    }

    // ---- round trip ----

    @Test
    void anUploadedBlobIsFoundAndReadBackWhole() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(1, 1 * MIB + 17);

        assertThat(tier.find(blob.sha).blockOptional(WAIT)).isEmpty();
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);

        assertThat(tier.find(blob.sha).block(WAIT)).isEqualTo(blob.size());
        assertThat(tier.locate(blob.sha)).isEqualTo(URI.create("s3://" + bucket + "/cache/sha256/" + blob.sha.hex()));
        assertThat(s3.keys(bucket)).containsExactly("cache/sha256/" + blob.sha.hex());
        OriginResponse response =
                tier.open(OriginRequest.of(tier.locate(blob.sha))).block(WAIT);
        assertThat(response.status()).isEqualTo(OriginResponse.Status.FULL);
        assertThat(response.length()).isEqualTo(blob.size());
        assertThat(response.acceptsRanges()).isTrue();
        assertThat(response.validators().etag()).startsWith("\"");
        assertThat(read(response)).isEqualTo(blob.bytes);
    }

    @Test
    void aSecondUploadOfTheSameDigestOnlyLooks() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(2, 4096);
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        s3.proxy().reset();

        tier().upload(blob.sha, blob.file, blob.size()).block(WAIT);

        assertThat(s3.proxy().requests()).allMatch(r -> r.startsWith("HEAD "));
    }

    @Test
    void concurrentUploadsOfOneDigestAllSucceedAndLeaveOneObject() throws IOException {
        Blob blob = blob(3, 2 * MIB);
        List<Mono<Void>> uploads = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            uploads.add(tier().upload(blob.sha, blob.file, blob.size()));
        }

        Mono.when(uploads).block(WAIT);

        assertThat(s3.keys(bucket)).containsExactly("cache/sha256/" + blob.sha.hex());
        assertThat(Files.readAllBytes(s3.file(bucket, "cache/sha256/" + blob.sha.hex())))
                .isEqualTo(blob.bytes);
    }

    @Test
    void aLargeBlobGoesUpInPartsAndComesBackWhole() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(4, 13 * MIB + 5);

        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);

        List<String> requests = s3.proxy().requests();
        assertThat(requests).anyMatch(r -> r.startsWith("POST ") && r.contains("?uploads"));
        assertThat(requests)
                .filteredOn(r -> r.startsWith("PUT ") && r.contains("partNumber="))
                .hasSize(3);
        assertThat(requests).anyMatch(r -> r.startsWith("POST ") && r.contains("uploadId="));
        assertThat(sha(read(tier.open(OriginRequest.of(tier.locate(blob.sha))).block(WAIT))))
                .isEqualTo(blob.sha);
        assertThat(s3.keys(bucket)).contains("cache/sha256/" + blob.sha.hex());
    }

    @Test
    void aPartLostToAServerErrorIsSentAgainAndTheUploadCompletes() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(13, 11 * MIB);
        s3.proxy().failNext(1, 503, r -> r.startsWith("PUT ") && r.contains("partNumber=2"));

        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);

        assertThat(s3.proxy().requests())
                .filteredOn(r -> r.contains("partNumber=2"))
                .hasSize(2);
        assertThat(Files.readAllBytes(s3.file(bucket, "cache/sha256/" + blob.sha.hex())))
                .isEqualTo(blob.bytes);
    }

    @Test
    void aMultipartUploadThatCannotCompleteIsAbortedAndLeavesNoObject() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(14, 11 * MIB);
        s3.proxy().failNext(1, 500, r -> r.startsWith("POST ") && r.contains("uploadId="));

        StepVerifier.create(tier.upload(blob.sha, blob.file, blob.size()))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginFailure.class,
                                f -> assertThat(f.isTransient()).isTrue()))
                .verify(WAIT);

        assertThat(s3.proxy().requests()).anyMatch(r -> r.startsWith("DELETE ") && r.contains("uploadId="));
        assertThat(tier.find(blob.sha).blockOptional(WAIT)).isEmpty();
    }

    @Test
    void anUploadThatFailsMidWayLeavesNoObject() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(5, 13 * MIB);
        s3.proxy().failNext(1, 500); // the HEAD: the whole upload fails before it starts
        StepVerifier.create(tier.upload(blob.sha, blob.file, blob.size()))
                .expectError(OriginFailure.class)
                .verify(WAIT);

        assertThat(tier.find(blob.sha).blockOptional(WAIT)).isEmpty();
    }

    // ---- ranges and resume ----

    @Test
    void rangesAreReadExactly() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(6, 10_000);
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        OriginRequest whole = OriginRequest.of(tier.locate(blob.sha));

        OriginResponse middle =
                tier.open(whole.withRange(100, 200, Validators.NONE)).block(WAIT);
        OriginResponse tail = tier.open(whole.withRange(9_000, OriginRequest.TO_THE_END, Validators.NONE))
                .block(WAIT);
        OriginResponse pastTheEnd =
                tier.open(whole.withRange(9_990, 20_000, Validators.NONE)).block(WAIT);
        OriginResponse atTheEnd = tier.open(whole.withRange(10_000, OriginRequest.TO_THE_END, Validators.NONE))
                .block(WAIT);

        assertThat(middle.status()).isEqualTo(OriginResponse.Status.PARTIAL);
        assertThat(middle.offset()).isEqualTo(100);
        assertThat(middle.length()).isEqualTo(10_000);
        assertThat(read(middle)).isEqualTo(Arrays.copyOfRange(blob.bytes, 100, 200));
        assertThat(read(tail)).isEqualTo(Arrays.copyOfRange(blob.bytes, 9_000, 10_000));
        assertThat(read(pastTheEnd)).isEqualTo(Arrays.copyOfRange(blob.bytes, 9_990, 10_000));
        assertThat(atTheEnd.status()).isEqualTo(OriginResponse.Status.PARTIAL);
        assertThat(atTheEnd.offset()).isEqualTo(10_000);
        assertThat(read(atTheEnd)).isEmpty();
        StepVerifier.create(tier.open(whole.withRange(10_001, OriginRequest.TO_THE_END, Validators.NONE)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginFailure.class,
                                f -> assertThat(f.isUnusableRange()).isTrue()))
                .verify(WAIT);
    }

    @Test
    void aResumeWithTheSameValidatorsGetsTheRestAndAChangedObjectIsReadWhole() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(7, 50_000);
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        OriginRequest whole = OriginRequest.of(tier.locate(blob.sha));
        Validators first = tier.open(whole)
                .flatMap(r -> discard(r).thenReturn(r.validators()))
                .block(WAIT);

        OriginResponse resumed = tier.open(whole.withRange(20_000, OriginRequest.TO_THE_END, first))
                .block(WAIT);
        assertThat(resumed.status()).isEqualTo(OriginResponse.Status.PARTIAL);
        assertThat(read(resumed)).isEqualTo(Arrays.copyOfRange(blob.bytes, 20_000, 50_000));

        // Other bytes under the same name (a wrong size is replaced on upload): a new version.
        Blob other = blob(8, 30_000);
        tier.upload(blob.sha, other.file, other.size()).block(WAIT);
        OriginResponse restarted = tier.open(whole.withRange(20_000, OriginRequest.TO_THE_END, first))
                .block(WAIT);

        assertThat(restarted.status()).isEqualTo(OriginResponse.Status.FULL);
        assertThat(restarted.validators()).isNotEqualTo(first);
        assertThat(read(restarted)).isEqualTo(other.bytes);
    }

    // ---- key records ----

    @Test
    void aKeyRecordIsFirstWriterWinsUnderConcurrency() {
        String keyId = "a".repeat(64);
        List<Mono<KeyRecord>> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            writers.add(tier().recordIfAbsent(keyId, new KeyRecord(sha(new byte[] {(byte) i}), i)));
        }

        List<KeyRecord> standing = Flux.merge(writers).collectList().block(WAIT);

        assertThat(standing).hasSize(8);
        assertThat(standing).containsOnly(standing.get(0));
        assertThat(tier().record(keyId).block(WAIT)).isEqualTo(standing.get(0));
        assertThat(s3.keys(bucket)).containsExactly("cache/keys/" + keyId);
    }

    @Test
    void onAServerThatIgnoresConditionalWritesALaterRecordStillDefersToTheFirst() {
        s3.proxy().conditionalWrites(Conditional.IGNORE);
        String keyId = "b".repeat(64);
        KeyRecord first = new KeyRecord(sha(new byte[] {1}), 1);

        assertThat(tier().recordIfAbsent(keyId, first).block(WAIT)).isEqualTo(first);
        assertThat(tier().recordIfAbsent(keyId, new KeyRecord(sha(new byte[] {2}), 2))
                        .block(WAIT))
                .isEqualTo(first);
        assertThat(tier().record("c".repeat(64)).blockOptional(WAIT)).isEmpty();
    }

    @Test
    void aServerThatRefusesConditionalWritesGetsPlainOnes() throws IOException {
        s3.proxy().conditionalWrites(Conditional.REJECT);
        S3Tier tier = tier();
        Blob blob = blob(9, 1000);
        KeyRecord record = new KeyRecord(blob.sha, blob.size());

        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        assertThat(tier.recordIfAbsent("d".repeat(64), record).block(WAIT)).isEqualTo(record);

        assertThat(tier.find(blob.sha).block(WAIT)).isEqualTo(blob.size());
        assertThat(s3.proxy().requests()).filteredOn(r -> r.startsWith("PUT ")).hasSize(3); // refused, then plain twice
    }

    @Test
    void aKeyRecordNotWrittenByCachetIsAClearPermanentFailure() throws IOException {
        String keyId = "e".repeat(64);
        Files.createDirectories(s3.file(bucket, "cache/keys"));
        Files.writeString(s3.file(bucket, "cache/keys/" + keyId), "not a record");

        StepVerifier.create(tier().record(keyId))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginFailure.class,
                                f -> assertThat(f.isTransient()).isFalse())
                        .hasMessageContaining("delete it"))
                .verify(WAIT);
    }

    // ---- failures ----

    @Test
    void serverErrorsAreTransientOriginFailures() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(10, 1000);
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        s3.proxy().failAll(500);

        for (Mono<?> call : List.of(
                tier.find(blob.sha),
                tier.open(OriginRequest.of(tier.locate(blob.sha))),
                tier.upload(sha(new byte[] {9}), blob.file, blob.size()),
                tier.record("f".repeat(64)),
                tier.recordIfAbsent("f".repeat(64), new KeyRecord(blob.sha, blob.size())))) {
            StepVerifier.create(call)
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOfSatisfying(OriginFailure.class, f -> {
                                assertThat(f.isTransient()).isTrue();
                                assertThat(f.status()).isEqualTo(500);
                            })
                            .hasMessageContaining("HTTP 500"))
                    .verify(WAIT);
        }

        s3.proxy().reset();
        assertThat(tier.find(blob.sha).block(WAIT)).isEqualTo(blob.size());
    }

    @Test
    void wrongCredentialsArePermanentAndSayToCheckThem() throws IOException {
        S3Tier tier = tier(b -> b.credentials(S3Server.ACCESS_KEY, "not-the-secret"));
        Blob blob = blob(11, 100);

        for (Mono<?> call : List.of(tier.find(blob.sha), tier.upload(blob.sha, blob.file, blob.size()))) {
            StepVerifier.create(call)
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOfSatisfying(OriginFailure.class, f -> {
                                assertThat(f.isTransient()).isFalse();
                                assertThat(f.status()).isEqualTo(403);
                            })
                            .hasMessageContaining("check the AWS credentials")
                            .hasMessageContaining("AWS_ACCESS_KEY_ID"))
                    .verify(WAIT);
        }
    }

    @Test
    void anUnreachableServerIsATransientFailureNotAHang() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            closedPort = s.getLocalPort();
        }
        S3Tier tier = tier(b -> b.endpoint(URI.create("http://127.0.0.1:" + closedPort)));

        StepVerifier.create(tier.find(sha(new byte[] {1})))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(
                                OriginFailure.class,
                                f -> assertThat(f.isTransient()).isTrue())
                        .hasMessageContaining("could not be reached"))
                .verify(WAIT);
    }

    @Test
    void aMissingObjectIsAPermanent404() {
        S3Tier tier = tier();
        Sha256 absent = sha(new byte[] {42});

        StepVerifier.create(tier.open(OriginRequest.of(tier.locate(absent))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(OriginFailure.class, f -> {
                    assertThat(f.isTransient()).isFalse();
                    assertThat(f.status()).isEqualTo(404);
                }))
                .verify(WAIT);
    }

    @Test
    void aCorruptOrTruncatedObjectIsServedAsStoredForTheEngineToReject() throws IOException {
        S3Tier tier = tier();
        Blob blob = blob(12, 4096);
        tier.upload(blob.sha, blob.file, blob.size()).block(WAIT);
        String key = "cache/sha256/" + blob.sha.hex();

        s3.corrupt(bucket, key, 5);
        byte[] corrupt = read(tier.open(OriginRequest.of(tier.locate(blob.sha))).block(WAIT));
        s3.truncate(bucket, key, 1000);
        byte[] truncated =
                read(tier.open(OriginRequest.of(tier.locate(blob.sha))).block(WAIT));

        assertThat(corrupt).hasSize(4096).isNotEqualTo(blob.bytes);
        assertThat(corrupt[5]).isEqualTo((byte) ~blob.bytes[5]);
        assertThat(truncated).hasSize(1000);
        assertThat(sha(truncated)).isNotEqualTo(blob.sha);
    }

    @Test
    void badLocationsAndKeyIdsAreRefusedWithTheRule() {
        assertThatThrownBy(() -> S3Tier.of(URI.create("http://bucket/prefix")))
                .hasMessageContaining("s3://BUCKET/PREFIX");
        assertThatThrownBy(() -> S3Tier.builder().bucket("Not_A_Bucket")).hasMessageContaining("3 to 63");
        assertThatThrownBy(() -> S3Tier.builder().build()).hasMessageContaining("needs a bucket");
        S3Tier tier = tier();
        assertThatThrownBy(() -> tier.record("../etc")).hasMessageContaining("64 lower-case hex");
        assertThatThrownBy(() -> tier.open(OriginRequest.of(URI.create("s3://other-bucket/cache/x"))))
                .hasMessageContaining("not an object of this tier");
    }

    // ---- helpers ----

    private record Blob(Sha256 sha, Path file, byte[] bytes) {
        long size() {
            return bytes.length;
        }
    }

    private Blob blob(int seed, long size) throws IOException {
        byte[] bytes = new byte[(int) size];
        new Random(seed).nextBytes(bytes);
        Path file = dir.resolve("blob-" + seed);
        Files.write(file, bytes);
        return new Blob(sha(bytes), file, bytes);
    }

    private static Sha256 sha(byte[] bytes) {
        try {
            return Sha256.of(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] read(OriginResponse response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        response.body()
                .doOnNext(b -> {
                    ByteBuffer copy = b.duplicate();
                    byte[] chunk = new byte[copy.remaining()];
                    copy.get(chunk);
                    out.writeBytes(chunk);
                })
                .blockLast(WAIT);
        return out.toByteArray();
    }

    private static Mono<Void> discard(OriginResponse response) {
        return response.body().then();
    }
}
