package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.internal.StatusClassifier.Kind;
import io.cachet.spi.OriginFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StatusClassifierTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void sortsTheStatusesADownloadCanUse() {
        assertThat(StatusClassifier.of(200)).isEqualTo(Kind.FULL);
        assertThat(StatusClassifier.of(206)).isEqualTo(Kind.PARTIAL);
        assertThat(StatusClassifier.of(416)).isEqualTo(Kind.RANGE_NOT_SATISFIABLE);
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void followsTheFiveRedirects(int status) {
        assertThat(StatusClassifier.of(status)).isEqualTo(Kind.REDIRECT);
    }

    @ParameterizedTest
    @ValueSource(ints = {201, 204, 300, 304, 305, 400, 401, 403, 404, 408, 410, 429, 500, 503, 599})
    void everythingElseIsAFailure(int status) {
        assertThat(StatusClassifier.of(status)).isEqualTo(Kind.FAILURE);
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 502, 503, 504, 599})
    void timeoutsTooManyRequestsAndServerErrorsAreTransient(int status) {
        assertThat(OriginFailure.isTransientStatus(status)).isTrue();
        assertThat(StatusClassifier.failure(ResponseHead.of(status, "x"), "", CLOCK)
                        .isTransient())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {204, 304, 400, 401, 403, 404, 410, 451})
    void otherStatusesArePermanent(int status) {
        assertThat(OriginFailure.isTransientStatus(status)).isFalse();
        assertThat(StatusClassifier.failure(ResponseHead.of(status, "x"), "", CLOCK)
                        .isTransient())
                .isFalse();
    }

    @Test
    void aTransientFailureCarriesRetryAfter() {
        OriginFailure failure =
                StatusClassifier.failure(ResponseHead.of(503, "Service Unavailable", "Retry-After", "7"), "", CLOCK);

        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(failure).hasMessage("HTTP 503 Service Unavailable");
    }

    @Test
    void aPermanentFailureIgnoresRetryAfter() {
        assertThat(StatusClassifier.failure(ResponseHead.of(404, "Not Found", "Retry-After", "7"), "", CLOCK)
                        .retryAfter())
                .isNull();
    }

    @Test
    void namesTheUrlThatAnsweredWhenARedirectLedThere() {
        OriginFailure failure =
                StatusClassifier.failure(ResponseHead.of(404, "Not Found"), "https://cdn.example/a.bin", CLOCK);

        assertThat(failure).hasMessage("HTTP 404 Not Found from https://cdn.example/a.bin");
    }

    @Test
    void escapesControlCharactersInTheReasonPhrase() {
        assertThat(StatusClassifier.failure(ResponseHead.of(500, "bad\u001b[31m"), "", CLOCK))
                .hasMessage("HTTP 500 bad\\u001b[31m");
    }
}
