package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.OriginException;
import io.cachet.reactor.testing.Response;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A transient status with {@code Retry-After} (fault N13): the origin reads it (seconds or an HTTP date against
 * its clock) and the engine waits that long on its timer. The engine's timer is virtual here, so
 * a 7-second wait costs nothing: the test sees the Retrying event with the delay, then moves time.
 */
class RetryAfterEndToEndTest extends EndToEnd {
    private static final byte[] BODY = Bytes.random(50_000, 5);
    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();

    @AfterEach
    void stopTime() {
        time.dispose();
    }

    private Cache cache(NettyOrigin origin) {
        return cache(origin, 2, b -> b.timer(time));
    }

    /**
     * Moves virtual time by {@code delay} until the retry's request arrives. The engine publishes
     * Retrying just before it schedules the delay, so the first move may come too early; each
     * further move is again the whole delay, never less.
     */
    private void advanceUntilTheRetry(Duration delay) {
        server.takeRequest(); // The first attempt.
        for (int i = 0; i < 100; i++) {
            time.advanceTimeBy(delay);
            if (server.pollRequest(Duration.ofMillis(100)) != null) {
                return;
            }
        }
        throw new AssertionError("no retry after moving time by " + delay + " a hundred times");
    }

    /** The first Retrying event: subscribed before the fetch starts, so it cannot be missed. */
    private static CompletableFuture<CacheEvent.Retrying> retrying(Cache cache) {
        return cache.events().ofType(CacheEvent.Retrying.class).next().toFuture();
    }

    @Test
    void n13TooManyRequestsIsRetriedAfterTheSecondsTheOriginAsked() throws Exception {
        server.enqueue(Response.status(429).header("Retry-After", "7")).enqueue(Response.ok(BODY));
        Cache cache = cache(origin());
        EventRecorder events = record(cache);

        CompletableFuture<CacheEvent.Retrying> scheduled = retrying(cache);
        CompletableFuture<Artifact> fetch =
                cache.fetch(pinned(server.url("/model.bin"), BODY)).toFuture();

        CacheEvent.Retrying retrying = scheduled.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(retrying.delay()).isEqualTo(Duration.ofSeconds(7));
        assertThat(((OriginException) retrying.cause()).retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(server.requestCount()).isEqualTo(1);

        advanceUntilTheRetry(Duration.ofSeconds(7));
        assertThat(fetch.get(WAIT.toSeconds(), TimeUnit.SECONDS).sha256()).isEqualTo(sha(BODY));
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(events.distinctTypes())
                .startsWith(CacheEvent.Type.RETRYING, CacheEvent.Type.STARTED)
                .endsWith(CacheEvent.Type.COMMITTED);
        assertHoldsOnly(BODY);
    }

    @Test
    void n13AnHttpDateIsReadAgainstTheOriginsClock() throws Exception {
        Instant now = Instant.parse("2025-04-01T10:00:00Z");
        String in30s =
                DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).format(now.plusSeconds(30));
        server.enqueue(Response.status(503).header("Retry-After", in30s)).enqueue(Response.ok(BODY));
        Cache cache = cache(NettyOrigin.builder(clients.client())
                .clock(Clock.fixed(now, ZoneOffset.UTC))
                .build());

        CompletableFuture<CacheEvent.Retrying> scheduled = retrying(cache);
        CompletableFuture<Artifact> fetch =
                cache.fetch(pinned(server.url("/model.bin"), BODY)).toFuture();

        assertThat(scheduled.get(WAIT.toSeconds(), TimeUnit.SECONDS).delay()).isEqualTo(Duration.ofSeconds(30));
        advanceUntilTheRetry(Duration.ofSeconds(30));
        assertThat(fetch.get(WAIT.toSeconds(), TimeUnit.SECONDS).sha256()).isEqualTo(sha(BODY));
    }

    @Test
    void n13AnOriginAskingForMoreThanThePolicyAllowsFailsAtOnceSayingHowLong() {
        server.enqueue(Response.status(503).header("Retry-After", "3600"));
        Cache cache = cache(origin());
        EventRecorder events = record(cache);

        StepVerifier.create(cache.fetch(pinned(server.url("/model.bin"), BODY)))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOfSatisfying(OriginException.class, o -> {
                            assertThat(o.attempts()).isEqualTo(1);
                            assertThat(o.retryAfter()).contains(Duration.ofHours(1));
                            assertThat(o.isTransient()).isTrue();
                        })
                        .hasMessageContaining("HTTP 503 Service Unavailable")
                        .hasMessageContaining("retry later"))
                .verify(WAIT);

        assertThat(events.types()).containsExactly(CacheEvent.Type.FAILED);
        assertHoldsNothing();
    }
}
