package io.cachet.internal.log;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static io.cachet.testing.FaultyOrigin.Response.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.CachetException;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.RetryPolicy;
import io.cachet.Sha256;
import io.cachet.internal.log.RecordingLogger.Line;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** What an operator reads in the log, recorded from a real engine's events. */
@Timeout(60)
class EventLogTest {
    private static final byte[] BODY = Bytes.random(2 * 1024 * 1024, 3);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final RetryPolicy FAST_RETRIES =
            new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1), 0.0, Duration.ofSeconds(1));

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    private final RecordingLogger info = new RecordingLogger(Level.INFO);

    private Cache cacheLoggingTo(RecordingLogger logger) {
        Cache cache = fixture.open(fixture.builder().retry(FAST_RETRIES));
        EventLog.attach(cache.events(), Schedulers.boundedElastic(), logger);
        return cache;
    }

    @Test
    void aDownloadIsOneInfoLineWhenItStartsAndOneWhenItCommitsHoweverManyChunksItHas() {
        fixture.origin.enqueue(ok(BODY).chunks(4096));
        Cache cache = cacheLoggingTo(info);

        cache.fetch(FetchRequest.of("https://origin.test/models/resnet.onnx")
                        .withKey("resnet")
                        .withSha256(SHA))
                .block(Duration.ofSeconds(30));

        assertThat(info.lines()).extracting(Line::level).containsExactly(Level.INFO, Level.INFO);
        assertThat(info.lines().get(0).message())
                .isEqualTo("download started: resnet from https://origin.test/models/resnet.onnx, 2.0 MiB");
        assertThat(info.lines().get(1).message())
                .startsWith("download committed: resnet, 2.0 MiB (2097152 bytes), downloaded in ")
                .matches(
                        ".* in \\d+(ms|\\.\\ds|s) at \\d+(\\.\\d)? [KMG]?i?B/s from https://origin\\.test/models/resnet"
                                + "\\.onnx, sha256 " + SHA.hex());
    }

    @Test
    void aHitIsADebugLineOnly() {
        fixture.origin.enqueue(ok(BODY));
        RecordingLogger debug = new RecordingLogger(Level.DEBUG);
        Cache cache = cacheLoggingTo(debug);
        FetchRequest request =
                FetchRequest.of("https://origin.test/m.bin").withKey("m").withSha256(SHA);
        cache.fetch(request).block(Duration.ofSeconds(30));
        int before = debug.lines().size();

        cache.fetch(request).block(Duration.ofSeconds(30));

        assertThat(debug.lines().subList(before, debug.lines().size()))
                .extracting(Line::level, Line::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Level.DEBUG, "hit: m, 2.0 MiB, in the cache"));
    }

    @Test
    void aRetryAndAFailureAreWarningsThatSayWhy() {
        fixture.origin.enqueue(status(503), status(404));
        Cache cache = cacheLoggingTo(info);

        assertThatThrownBy(() -> cache.fetch(
                                FetchRequest.of("https://origin.test/gone.bin").withKey("gone"))
                        .block(Duration.ofSeconds(30)))
                .isInstanceOf(OriginException.class);

        assertThat(info.lines()).extracting(Line::level).containsExactly(Level.WARN, Level.WARN);
        assertThat(info.lines().get(0).message())
                .startsWith("download retrying: gone, attempt 1 failed (")
                .contains("HTTP 503")
                .endsWith("; next attempt in 1ms");
        assertThat(info.lines().get(1).message())
                .startsWith("fetch failed: gone (OriginException): could not download https://origin.test/gone.bin")
                .contains("HTTP 404")
                .contains("check the URL");
        assertThat(info.lines().get(1).error()).as("stack traces are for DEBUG").isNull();
    }

    @Test
    void aWaitForAnotherCachesDownloadIsDebugThenAHitAfterTheWait() {
        Sinks.Empty<Void> gate = Sinks.empty();
        fixture.origin.enqueue(ok(BODY).gate(gate.asMono()));
        Cache holder = fixture.open(fixture.builder());
        RecordingLogger debug = new RecordingLogger(Level.DEBUG);
        Cache waiter = cacheLoggingTo(debug);
        FetchRequest request =
                FetchRequest.of("https://origin.test/w.bin").withKey("w").withSha256(SHA);

        CompletableFuture<Artifact> first = holder.fetch(request).toFuture();
        Await.until("the holder is downloading", () -> fixture.origin.opens() == 1);
        CompletableFuture<Artifact> second = waiter.fetch(request).toFuture();
        Await.until("the waiter says it waits", () -> !debug.lines().isEmpty());
        gate.tryEmitEmpty();
        first.join();
        second.join();

        assertThat(debug.lines()).extracting(Line::level).containsExactly(Level.DEBUG, Level.DEBUG);
        assertThat(debug.lines().get(0).message())
                .startsWith("waiting: w is being downloaded by ")
                .endsWith("; this fetch waits for its lock");
        assertThat(debug.lines().get(1).message())
                .startsWith("hit: w, 2.0 MiB, downloaded by another cache or process, after waiting ");
    }

    @Test
    void credentialsAndQueryStringsNeverReachTheLog() {
        fixture.origin.enqueue(status(503), status(401), ok(BODY));
        RecordingLogger debug = new RecordingLogger(Level.DEBUG);
        Cache cache = cacheLoggingTo(debug);
        FetchRequest secret = FetchRequest.of("https://alice:hunter2@origin.test/private.bin?token=s3cr3t&sig=abc")
                .withHeader("Authorization", "Bearer t0k3n");

        assertThatThrownBy(() -> cache.fetch(secret).block(Duration.ofSeconds(30)))
                .isInstanceOf(CachetException.class);
        cache.fetch(FetchRequest.of("https://origin.test/ok.bin?token=s3cr3t").withSha256(SHA))
                .block(Duration.ofSeconds(30));

        assertThat(debug.lines()).hasSizeGreaterThanOrEqualTo(4);
        assertThat(debug.lines())
                .allSatisfy(line -> assertThat(line.message() + line.error())
                        .doesNotContain("hunter2", "alice", "s3cr3t", "t0k3n", "sig=", "Bearer"));
        assertThat(debug.lines())
                .extracting(Line::message)
                .anySatisfy(m -> assertThat(m).contains("https://origin.test/private.bin?..."))
                .anySatisfy(m -> assertThat(m).contains("https://origin.test/ok.bin?..."));
    }

    @Test
    void aLineForAnEventFromAThreadThatMustNotBlockIsWrittenFromTheIoThreads() {
        RecordingLogger logger = new RecordingLogger(Level.INFO);
        Scheduler io = Schedulers.newBoundedElastic(1, 16, "test-io");
        try {
            Key key = Key.of("k");
            CacheEvent failed = new CacheEvent.Failed(
                    key, new OriginException("https://origin.test/k", 500, 4, true, null, "HTTP 500", null));
            EventLog.attach(Flux.just(failed).subscribeOn(Schedulers.parallel()), io, logger);

            Await.until("the failure is logged", () -> !logger.lines().isEmpty());

            assertThat(logger.lines()).singleElement().satisfies(line -> {
                assertThat(line.message()).startsWith("fetch failed: k (OriginException)");
                assertThat(line.thread()).startsWith("test-io");
                assertThat(line.nonBlockingThread()).isFalse();
            });
        } finally {
            io.dispose();
        }
    }
}
