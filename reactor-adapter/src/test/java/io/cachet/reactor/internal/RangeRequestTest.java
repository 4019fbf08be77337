package io.cachet.reactor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.cachet.reactor.internal.RangeRequest.Answer;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginResponse.Status;
import io.cachet.spi.Validators;
import org.junit.jupiter.api.Test;

class RangeRequestTest {
    private static final Validators V1 = new Validators("\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT");

    // ---- the request ----

    @Test
    void aRequestFromZeroAsksForNoRange() {
        assertThat(RangeRequest.headers(0, V1)).isEmpty();
    }

    @Test
    void aResumeAsksForTheRestIfTheVersionIsTheSame() {
        assertThat(RangeRequest.headers(4096, V1))
                .containsExactly(entry("Range", "bytes=4096-"), entry("If-Range", "\"v1\""));
    }

    @Test
    void aWeakEtagCannotGuardARangeSoTheDateIsUsed() {
        assertThat(RangeRequest.headers(10, new Validators("W/\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT")))
                .containsEntry("If-Range", "Tue, 01 Apr 2025 10:00:00 GMT");
    }

    @Test
    void aResumeWithoutValidatorsSendsNoIfRange() {
        assertThat(RangeRequest.headers(10, Validators.NONE)).containsExactly(entry("Range", "bytes=10-"));
    }

    // ---- 200 ----

    @Test
    void aFullAnswerIsTheWholeArtifactWithItsContentLength() {
        Answer answer = interpret(4096, ResponseHead.of(200, "OK", "Content-Length", "10000", "ETag", "\"v2\""));

        assertThat(answer).isEqualTo(new Answer(Status.FULL, 0, 10000, new Validators("\"v2\"", null), true));
    }

    @Test
    void aFullAnswerWithoutContentLengthHasAnUnknownLength() {
        assertThat(interpret(0, ResponseHead.of(200, "OK")).length()).isEqualTo(-1);
    }

    @Test
    void anEmptyArtifactHasLengthZero() {
        assertThat(interpret(0, ResponseHead.of(200, "OK", "Content-Length", "0"))
                        .length())
                .isZero();
    }

    @Test
    void repeatedEqualContentLengthsAreOne() {
        assertThat(interpret(0, ResponseHead.of(200, "OK", "Content-Length", "5, 5"))
                        .length())
                .isEqualTo(5);
    }

    @Test
    void conflictingContentLengthsAreRefused() {
        assertThatThrownBy(() -> interpret(0, ResponseHead.of(200, "OK", "Content-Length", "5", "Content-Length", "6")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("conflicting Content-Length");
    }

    @Test
    void aNegativeContentLengthIsRefused() {
        assertThatThrownBy(() -> interpret(0, ResponseHead.of(200, "OK", "Content-Length", "-1")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("unusable Content-Length");
    }

    // ---- 206 ----

    @Test
    void aPartialAnswerFromTheOffsetIsTheRestWithTheTotalLength() {
        Answer answer = interpret(
                4096,
                ResponseHead.of(
                        206,
                        "Partial Content",
                        "Content-Range",
                        "bytes 4096-9999/10000",
                        "Content-Length",
                        "5904",
                        "ETag",
                        "\"v1\""));

        assertThat(answer).isEqualTo(new Answer(Status.PARTIAL, 4096, 10000, new Validators("\"v1\"", null), true));
    }

    @Test
    void aPartialAnswerFromElsewhereKeepsItsRealStartSoTheEngineCanRefuseIt() {
        Answer answer = interpret(4096, ResponseHead.of(206, "Partial Content", "Content-Range", "bytes 0-9999/10000"));

        assertThat(answer.status()).isEqualTo(Status.PARTIAL);
        assertThat(answer.offset()).isZero();
    }

    @Test
    void aPartialAnswerWithAnUnknownTotalHasAnUnknownLength() {
        assertThat(interpret(10, ResponseHead.of(206, "Partial Content", "Content-Range", "bytes 10-19/*"))
                        .length())
                .isEqualTo(-1);
    }

    @Test
    void aPartialAnswerWithoutValidatorsKeepsTheOnesTheRequestWasSentWith() {
        assertThat(interpret(10, ResponseHead.of(206, "", "Content-Range", "bytes 10-19/20"))
                        .validators())
                .isEqualTo(V1);
    }

    @Test
    void aPartialAnswerWithoutContentRangeIsRefused() {
        assertThatThrownBy(() -> interpret(10, ResponseHead.of(206, "Partial Content")))
                .isInstanceOf(OriginFailure.class)
                .hasMessage("the origin sent 206 Partial Content without a Content-Range");
    }

    @Test
    void anOverflowingContentRangeIsRefused() {
        assertThatThrownBy(() ->
                        interpret(10, ResponseHead.of(206, "", "Content-Range", "bytes 10-99999999999999999999/*")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("unusable Content-Range 'bytes 10-99999999999999999999/*'")
                .satisfies(e -> assertThat(((OriginFailure) e).isTransient()).isFalse());
    }

    @Test
    void aContentLengthThatDisagreesWithTheRangeIsRefused() {
        assertThatThrownBy(() -> interpret(
                        10, ResponseHead.of(206, "", "Content-Range", "bytes 10-19/20", "Content-Length", "11")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("Content-Length 11 for the 10 bytes");
    }

    @Test
    void severalRangesAreRefused() {
        assertThatThrownBy(() ->
                        interpret(10, ResponseHead.of(206, "", "Content-Type", "multipart/byteranges; boundary=x")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("several ranges");
    }

    // ---- 416 ----

    @Test
    void aRangeStartingAtTheEndIsAlreadyComplete() {
        Answer answer =
                interpret(10000, ResponseHead.of(416, "Range Not Satisfiable", "Content-Range", "bytes */10000"));

        assertThat(answer).isEqualTo(new Answer(Status.PARTIAL, 10000, 10000, V1, false));
    }

    @Test
    void aRangeBeyondAShrunkArtifactIsAFailureThatNamesBothSizes() {
        assertThatThrownBy(() -> interpret(
                        10000, ResponseHead.of(416, "Range Not Satisfiable", "Content-Range", "bytes */5000")))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.status()).isEqualTo(416))
                .hasMessage(
                        "HTTP 416 Range Not Satisfiable (the origin holds 5000 bytes, the request started at 10000)");
    }

    @Test
    void aRangeNotSatisfiableWithoutContentRangeIsAFailure() {
        assertThatThrownBy(() -> interpret(10000, ResponseHead.of(416, "Range Not Satisfiable")))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse());
    }

    @Test
    void aRangeNotSatisfiableForAnotherVersionIsAFailure() {
        assertThatThrownBy(() ->
                        interpret(10000, ResponseHead.of(416, "", "Content-Range", "bytes */10000", "ETag", "\"v2\"")))
                .isInstanceOf(OriginFailure.class);
    }

    @Test
    void aRangeNotSatisfiableForARequestFromZeroIsAFailure() {
        assertThatThrownBy(() -> interpret(0, ResponseHead.of(416, "", "Content-Range", "bytes */0")))
                .isInstanceOf(OriginFailure.class);
    }

    // ---- encodings ----

    @Test
    void aCompressedBodyIsRefusedAndNeverDecoded() {
        assertThatThrownBy(() -> interpret(0, ResponseHead.of(200, "OK", "Content-Encoding", "gzip")))
                .isInstanceOfSatisfying(
                        OriginFailure.class, f -> assertThat(f.isTransient()).isFalse())
                .hasMessageStartingWith("the origin compressed the body (Content-Encoding: gzip)");
    }

    @Test
    void chainedEncodingsAreRefused() {
        assertThatThrownBy(() -> interpret(
                        10,
                        ResponseHead.of(
                                206, "", "Content-Range", "bytes 10-19/20", "Content-Encoding", "gzip, gzip, br")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("gzip, gzip, br");
    }

    @Test
    void identityEncodingIsTheArtifactItself() {
        assertThat(interpret(0, ResponseHead.of(200, "OK", "Content-Encoding", "identity"))
                        .status())
                .isEqualTo(Status.FULL);
    }

    @Test
    void aTransferCodingOtherThanChunkedIsRefused() {
        assertThatThrownBy(() -> interpret(0, ResponseHead.of(200, "OK", "Transfer-Encoding", "gzip, chunked")))
                .isInstanceOf(OriginFailure.class)
                .hasMessageContaining("Transfer-Encoding: gzip, chunked");
    }

    // ---- validators ----

    @Test
    void validatorsThatCouldNotBeSentBackAreDropped() {
        assertThat(RangeRequest.validators(
                        ResponseHead.of(200, "", "ETag", "\"a\u0001\"", "Last-Modified", "x".repeat(2000))))
                .isEqualTo(Validators.NONE);
    }

    @Test
    void messagesNameTheUrlThatAnsweredWhenItWasARedirectTarget() {
        assertThatThrownBy(() -> RangeRequest.interpret(10, V1, ResponseHead.of(206, ""), "https://cdn.example/a"))
                .hasMessage("the origin sent 206 Partial Content without a Content-Range at https://cdn.example/a");
    }

    private static Answer interpret(long offset, ResponseHead head) {
        return RangeRequest.interpret(offset, V1, head, "");
    }
}
