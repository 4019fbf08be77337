package io.cachet;

import static io.cachet.CacheEvent.Type.COMMITTED;
import static io.cachet.CacheEvent.Type.FAILED;
import static io.cachet.CacheEvent.Type.PROGRESS;
import static io.cachet.CacheEvent.Type.RESUMED;
import static io.cachet.CacheEvent.Type.RETRYING;
import static io.cachet.CacheEvent.Type.STARTED;
import static io.cachet.testing.Failures.failure;
import static io.cachet.testing.FaultyOrigin.Response.neverAnswers;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.partial;
import static io.cachet.testing.FaultyOrigin.Response.refused;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.FaultyDisk;
import io.cachet.testing.FaultyOrigin;
import io.cachet.testing.TestTimer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** docs/architecture.md, "Resume" and "Retries and limits": transient failures are retried with backoff and resumed. */
@Timeout(120)
class RetryTest {
    private static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 21);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/data.bin").withSha256(SHA);
    private static final RetryPolicy NO_JITTER =
            new RetryPolicy(3, Duration.ofMillis(500), Duration.ofSeconds(30), 0.0, Duration.ofMinutes(2));

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private final TestTimer timer = new TestTimer();

    private Cache cache() {
        return fixture.open(fixture.builder().timer(timer).retry(NO_JITTER));
    }

    // ---- backoff -----------------------------------------------------------------------------------

    @Test
    void transientFailuresAreRetriedAfterExactlyTheExponentialBackoff() throws Exception {
        fixture.origin.enqueue(status(503), refused(), ok(BODY));
        Cache cache = cache();
        EventRecorder events = fixture.record(cache);

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(499));
        assertThat(fixture.origin.opens()).as("no retry before 500 ms").isEqualTo(1);
        timer.advance(Duration.ofMillis(1));
        timer.awaitDelay(Duration.ofMillis(1000));
        timer.advance(Duration.ofMillis(999));
        assertThat(fixture.origin.opens()).as("no retry before another 1000 ms").isEqualTo(2);
        timer.advance(Duration.ofMillis(1));

        assertThat(result.get(30, TimeUnit.SECONDS).source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(fixture.origin.opens()).isEqualTo(3);
        assertThat(events.distinctTypes()).containsExactly(RETRYING, STARTED, PROGRESS, COMMITTED);
        assertThat(events.of(CacheEvent.Retrying.class))
                .extracting(CacheEvent.Retrying::attempt, CacheEvent.Retrying::delay)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, Duration.ofMillis(500)),
                        org.assertj.core.groups.Tuple.tuple(2, Duration.ofMillis(1000)));
    }

    @Test
    void retriesAreBoundedAndTheErrorSaysHowManyAttemptsWereMade() {
        fixture.origin.enqueue(status(503), status(503), status(503), status(503));
        Cache cache = cache();
        EventRecorder events = fixture.record(cache);

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        for (long delay : new long[] {500, 1000, 2000}) {
            timer.awaitDelay(Duration.ofMillis(delay));
            timer.advance(Duration.ofMillis(delay));
        }

        OriginException error = failure(result, OriginException.class);
        assertThat(error.attempts()).isEqualTo(4);
        assertThat(error.status()).isEqualTo(503);
        assertThat(error.isTransient()).isTrue();
        assertThat(error).hasMessageContaining("after 4 attempts").hasMessageContaining("retry later");
        assertThat(fixture.origin.opens()).isEqualTo(4);
        assertThat(events.types()).containsExactly(RETRYING, RETRYING, RETRYING, FAILED);
    }

    @Test
    void aPermanentRefusalFailsAtOnceWithoutRetrying() {
        fixture.origin.enqueue(status(404));
        Cache cache = cache();

        OriginException error = failure(cache.fetch(REQUEST).toFuture(), OriginException.class);

        assertThat(error.status()).isEqualTo(404);
        assertThat(error.attempts()).isEqualTo(1);
        assertThat(error.isTransient()).isFalse();
        assertThat(error).hasMessageContaining("https://origin.test/data.bin").hasMessageContaining("check the URL");
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void retryAfterFromTheOriginLengthensTheDelay() throws Exception {
        fixture.origin.enqueue(status(429, Duration.ofSeconds(7)), ok(BODY));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofSeconds(7));
        timer.advance(Duration.ofMillis(6999));
        assertThat(fixture.origin.opens()).isEqualTo(1);
        timer.advance(Duration.ofMillis(1));

        assertThat(result.get(30, TimeUnit.SECONDS).sha256()).isEqualTo(SHA);
    }

    @Test
    void aRetryAfterBeyondThePolicyFailsAtOnceSayingHowLongTheOriginAsked() {
        fixture.origin.enqueue(status(503, Duration.ofHours(1)));
        Cache cache = cache();

        OriginException error = failure(cache.fetch(REQUEST).toFuture(), OriginException.class);

        assertThat(error.retryAfter()).contains(Duration.ofHours(1));
        assertThat(error.attempts()).isEqualTo(1);
        assertThat(error)
                .hasMessageContaining("asked to be retried after 3600 s, longer than the 120 s this cache waits");
    }

    @Test
    void anOriginThatNeverAnswersTimesOutAndIsRetried() throws Exception {
        fixture.origin.enqueue(neverAnswers(), ok(BODY));
        Cache cache =
                fixture.open(fixture.builder().timer(timer).retry(NO_JITTER).idleTimeout(Duration.ofSeconds(30)));

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofSeconds(30));
        timer.advance(Duration.ofSeconds(30));
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        assertThat(result.get(30, TimeUnit.SECONDS).source()).isEqualTo(Artifact.Source.DOWNLOADED);
    }

    // ---- resume within one fetch -------------------------------------------------------------------

    @Test
    void aBrokenTransferResumesWithRangeAndIfRangeAndAsksOnlyForTheRest() throws Exception {
        fixture.origin.enqueue(
                ok(BODY).etag("\"v1\"").disconnectAfter(1024 * 1024 + 5),
                partial(BODY, 1024 * 1024 + 5).etag("\"v1\""));
        Cache cache = cache();
        EventRecorder events = fixture.record(cache);

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        Artifact artifact = result.get(30, TimeUnit.SECONDS);
        assertThat(artifact.source()).isEqualTo(Artifact.Source.RESUMED);
        OriginRequest resume = fixture.origin.requests().get(1);
        assertThat(resume.offset()).as("every byte that arrived is kept").isEqualTo(1024 * 1024 + 5);
        assertThat(resume.validators().ifRange()).isEqualTo("\"v1\"");
        assertThat(events.distinctTypes()).containsSubsequence(STARTED, RETRYING, RESUMED, STARTED, COMMITTED);
    }

    @Test
    void aFullAnswerToAResumeRestartsFromZeroIntoAFreshFileAndNeverSplices() throws Exception {
        byte[] changed = Bytes.random(BODY.length, 99);
        fixture.origin.enqueue(ok(BODY).etag("\"v1\"").disconnectAfter(1024 * 1024 + 5), ok(BODY).etag("\"v1\""));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        Artifact artifact = result.get(30, TimeUnit.SECONDS);
        assertThat(artifact.source()).isEqualTo(Artifact.Source.DOWNLOADED);
        assertThat(java.nio.file.Files.readAllBytes(artifact.path()))
                .isEqualTo(BODY)
                .isNotEqualTo(changed);
    }

    @Test
    void aPartialAnswerFromTheWrongOffsetIsRefusedAndTheDownloadRestartsFromZero() throws Exception {
        fixture.origin.enqueue(
                ok(BODY).etag("\"v1\"").disconnectAfter(1024 * 1024 + 5),
                partial(BODY, 4096).etag("\"v1\""),
                ok(BODY).etag("\"v1\""));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        assertThat(result.get(30, TimeUnit.SECONDS).sha256()).isEqualTo(SHA);
        assertThat(fixture.origin.requests())
                .extracting(OriginRequest::offset)
                .containsExactly(0L, 1024L * 1024 + 5, 0L);
        assertThat(fixture.origin.bodyCancels())
                .as("the misplaced body was cancelled, not read")
                .isEqualTo(1);
    }

    @Test
    void anUnusableRangeAnswerToAResumeRestartsFromZeroOnceInsteadOfFailing() throws Exception {
        fixture.origin.enqueue(
                ok(BODY).etag("\"v1\"").disconnectAfter(1024 * 1024 + 5),
                FaultyOrigin.Response.fail(OriginFailure.unusableRange(
                        "sent Content-Range 'bytes 1048581-9999999/2000000', which ends past the artifact")),
                ok(BODY).etag("\"v1\""));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        assertThat(result.get(30, TimeUnit.SECONDS).sha256()).isEqualTo(SHA);
        assertThat(fixture.origin.requests())
                .extracting(OriginRequest::offset)
                .containsExactly(0L, 1024L * 1024 + 5, 0L);
    }

    @Test
    void aResumedDownloadThatDoesNotVerifyRestartsFromZeroOnceThenSucceeds() throws Exception {
        byte[] other = Bytes.random(BODY.length, 5);
        fixture.origin.enqueue(
                ok(BODY).etag("\"v1\"").disconnectAfter(1024 * 1024 + 5),
                partial(other, 1024 * 1024 + 5).etag("\"v1\""),
                ok(BODY).etag("\"v1\""));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        Artifact artifact = result.get(30, TimeUnit.SECONDS);
        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(fixture.origin.requests())
                .extracting(OriginRequest::offset)
                .containsExactly(0L, 1024L * 1024 + 5, 0L);
    }

    @Test
    void aTransferWithoutValidatorsOrPinnedDigestIsRetriedFromZeroNotResumed() throws Exception {
        FetchRequest unpinned = FetchRequest.of("https://origin.test/data.bin");
        fixture.origin.enqueue(ok(BODY).disconnectAfter(1024 * 1024 + 5), ok(BODY));
        Cache cache = cache();

        CompletableFuture<Artifact> result = cache.fetch(unpinned).toFuture();
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        assertThat(result.get(30, TimeUnit.SECONDS).sha256()).isEqualTo(SHA);
        assertThat(fixture.origin.requests()).extracting(OriginRequest::offset).containsExactly(0L, 0L);
    }

    @Test
    void aStalledBodyIsAbandonedAfterTheIdleTimeoutAndResumed() throws Exception {
        fixture.origin
                .enqueue(ok(BODY).etag("\"v1\"").stallAfter(1024 * 1024 + 5))
                .serve(BODY, "\"v1\"");
        // Writes complete on the thread that delivers the bytes; hashing runs on the I/O threads.
        Cache cache = fixture.open(
                fixture.builder().timer(timer).retry(NO_JITTER).idleTimeout(Duration.ofSeconds(8)),
                new FaultyDisk().inlineWrites());
        EventRecorder events = fixture.record(cache);

        CompletableFuture<Artifact> result = cache.fetch(REQUEST).toFuture();
        // The bytes before the stall are still being hashed when the origin has sent them; the idle
        // clock starts once the writer asks for more.
        Await.until("the engine waits for bytes past the stall", fixture.origin::askedPastStall);
        assertThat(fixture.origin.bytesSent()).isEqualTo(1024 * 1024 + 5);
        timer.advance(Duration.ofSeconds(7));
        assertThat(events.of(CacheEvent.Retrying.class))
                .as("not abandoned before the idle timeout")
                .isEmpty();
        timer.advance(Duration.ofSeconds(3)); // the watchdog ticks every 2 s: caught by 8 + 2 s
        // The watchdog interrupts the writer, whose lanes end the attempt on the I/O threads.
        Await.until(
                "the stalled attempt is abandoned",
                () -> events.of(CacheEvent.Retrying.class).size() == 1);
        timer.awaitDelay(Duration.ofMillis(500));
        timer.advance(Duration.ofMillis(500));

        assertThat(result.get(30, TimeUnit.SECONDS).source()).isEqualTo(Artifact.Source.RESUMED);
        assertThat(events.of(CacheEvent.Retrying.class).get(0).cause())
                .hasMessageContaining("no bytes arrived for 8000 ms");
        assertThat(fixture.origin.requests().get(1).offset()).isPositive();
    }
}
