package io.cachet.reactor.internal;

import static io.cachet.spi.OriginRequest.TO_THE_END;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.entry;

import io.cachet.reactor.internal.RangeRequest.Answer;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse.Status;
import io.cachet.spi.Validators;
import java.net.URI;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class RangeRequestTest {
    private static final Validators V1 = new Validators("\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT");

    // ---- the request ----

    @Test
    void aRequestFromZeroAsksForNoRange() {
        assertThat(RangeRequest.headers(ask(0, TO_THE_END, V1))).isEmpty();
    }

    @Test
    void aResumeAsksForTheRestIfTheVersionIsTheSame() {
        assertThat(RangeRequest.headers(ask(4096, TO_THE_END, V1)))
                .containsExactly(entry("Range", "bytes=4096-"), entry("If-Range", "\"v1\""));
    }

    @Test
    void aWeakEtagCannotGuardARangeSoTheDateIsUsed() {
        assertThat(RangeRequest.headers(
                        ask(10, TO_THE_END, new Validators("W/\"v1\"", "Tue, 01 Apr 2025 10:00:00 GMT"))))
                .containsEntry("If-Range", "Tue, 01 Apr 2025 10:00:00 GMT");
    }

    @Test
    void aResumeWithoutValidatorsSendsNoIfRange() {
        assertThat(RangeRequest.headers(ask(10, TO_THE_END, Validators.NONE)))
                .containsExactly(entry("Range", "bytes=10-"));
    }

    // ---- 200 ----

    @Test
    void aFullAnswerIsTheWholeArtifactWithItsContentLength() {
        Answer answer = interpret(4096, ResponseHead.of(200, "OK", "Content-Length", "10000", "ETag", "\"v2\""));

        assertThat(answer).isEqualTo(new Answer(Status.FULL, 0, 10000, new Validators("\"v2\"", null), true, -1));
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

        assertThat(answer)
                .isEqualTo(new Answer(Status.PARTIAL, 4096, 10000, new Validators("\"v1\"", null), true, 5904));
    }

    @Test
    void aPartialAnswerFromAnotherOffsetIsAnUnusableRangeSoTheEngineStartsOver() {
        OriginFailure f = unusable(() -> interpret(4096, partial("bytes 0-9999/10000")));

        assertThat(f).hasMessage("the origin sent 'bytes 0-9999/10000' for the range bytes=4096- asked for");
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
    void aPartialAnswerWithoutContentRangeIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(10, ResponseHead.of(206, "Partial Content"))))
                .hasMessage(
                        "the origin sent 206 Partial Content without a Content-Range for the range bytes=10- asked for");
    }

    @Test
    void anOverflowingContentRangeIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(10, partial("bytes 10-99999999999999999999/*"))))
                .hasMessageContaining("unusable Content-Range 'bytes 10-99999999999999999999/*'");
    }

    @Test
    void aRangeEndingPastTheLengthIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(60_000, partial("bytes 60000-200009/200005"))))
                .hasMessageContaining("unusable Content-Range 'bytes 60000-200009/200005'")
                .hasMessageContaining("is not below the length");
    }

    @Test
    void aRangeToTheEndThatStopsShortOfTheLengthIsAnUnusableRange() {
        unusable(() -> interpret(10, partial("bytes 10-14/20")));
    }

    @Test
    void anUnsatisfiedRangeIn206IsAnUnusableRange() {
        unusable(() -> interpret(10, partial("bytes */20")));
    }

    @Test
    void aContentLengthThatDisagreesWithTheRangeIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(10, partial("bytes 10-19/20", "Content-Length", "11"))))
                .hasMessageContaining("Content-Length 11 for the 10 bytes");
    }

    @Test
    void severalRangesAreAnUnusableRange() {
        assertThat(unusable(() ->
                        interpret(10, ResponseHead.of(206, "", "Content-Type", "multipart/byteranges; boundary=x"))))
                .hasMessageContaining("several ranges");
    }

    @Test
    void aPartialAnswerForAnotherVersionIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(10, partial("bytes 10-19/20", "ETag", "\"v2\""))))
                .hasMessageContaining("another version (ETag \"v2\", not \"v1\")");
    }

    @Test
    void weakEtagsSayNothingAboutTheVersionOfARange() {
        assertThat(interpret(10, partial("bytes 10-19/20", "ETag", "W/\"v2\"")).offset())
                .isEqualTo(10);
    }

    @Test
    void theBodyOfARangeMustHoldExactlyItsBytes() {
        assertThat(interpret(10, partial("bytes 10-19/20")).bodyLength()).isEqualTo(10);
    }

    // ---- bounded ranges ----

    @Test
    void aBoundedRangeAsksForItsLastByteEvenFromZero() {
        assertThat(RangeRequest.headers(ask(0, 4096, Validators.NONE))).containsExactly(entry("Range", "bytes=0-4095"));
        assertThat(RangeRequest.headers(ask(4096, 8192, V1)))
                .containsExactly(entry("Range", "bytes=4096-8191"), entry("If-Range", "\"v1\""));
    }

    @Test
    void aBoundedRangeFromZeroWithValidatorsSendsIfRange() {
        assertThat(RangeRequest.headers(ask(0, 10, V1))).containsEntry("If-Range", "\"v1\"");
    }

    @Test
    void aBoundedRangeAnsweredExactlyIsPartialWithTheTotalLength() {
        Answer answer = interpret(ask(4096, 8192, V1), partial("bytes 4096-8191/10000", "Content-Length", "4096"));

        assertThat(answer).isEqualTo(new Answer(Status.PARTIAL, 4096, 10000, V1, true, 4096));
    }

    @Test
    void aBoundedRangeFromZeroAnsweredExactlyIsPartialAtZero() {
        Answer answer = interpret(ask(0, 100, V1), partial("bytes 0-99/10000"));

        assertThat(answer.status()).isEqualTo(Status.PARTIAL);
        assertThat(answer.offset()).isZero();
        assertThat(answer.bodyLength()).isEqualTo(100);
    }

    @Test
    void aBoundedRangePastTheEndIsCutAtTheEnd() {
        Answer answer = interpret(ask(9000, 12_000, V1), partial("bytes 9000-9999/10000"));

        assertThat(answer.bodyLength()).isEqualTo(1000);
        assertThat(answer.length()).isEqualTo(10000);
    }

    @Test
    void aBoundedRangeAnsweredWithMoreIsAnUnusableRange() {
        assertThat(unusable(() -> interpret(ask(4096, 8192, V1), partial("bytes 4096-9999/10000"))))
                .hasMessage("the origin sent 'bytes 4096-9999/10000' for the range bytes=4096-8191 asked for");
    }

    @Test
    void aBoundedRangeAnsweredWithLessIsAnUnusableRange() {
        unusable(() -> interpret(ask(4096, 8192, V1), partial("bytes 4096-5000/10000")));
    }

    @Test
    void aBoundedRangeAnsweredFromAnotherStartIsAnUnusableRange() {
        unusable(() -> interpret(ask(4096, 8192, V1), partial("bytes 4095-8191/10000")));
    }

    @Test
    void aBoundedRangeOfUnknownTotalMustEndWhereItWasAskedTo() {
        assertThat(interpret(ask(0, 10, V1), partial("bytes 0-9/*")).length()).isEqualTo(-1);
        unusable(() -> interpret(ask(0, 10, V1), partial("bytes 0-4/*")));
    }

    @Test
    void aBoundedRangeAnsweredWithTheWholeArtifactIsFull() {
        Answer answer = interpret(ask(4096, 8192, V1), ResponseHead.of(200, "OK", "Content-Length", "10000"));

        assertThat(answer.status()).isEqualTo(Status.FULL);
        assertThat(answer.offset()).isZero();
        assertThat(answer.bodyLength()).isEqualTo(-1);
    }

    @Test
    void aBoundedRangeStartingAtTheEndIsAnEmptyPartial() {
        Answer answer = interpret(ask(10000, 12000, V1), ResponseHead.of(416, "", "Content-Range", "bytes */10000"));

        assertThat(answer).isEqualTo(new Answer(Status.PARTIAL, 10000, 10000, V1, false, 0));
    }

    // ---- 416 ----

    @Test
    void aRangeStartingAtTheEndIsAlreadyComplete() {
        Answer answer =
                interpret(10000, ResponseHead.of(416, "Range Not Satisfiable", "Content-Range", "bytes */10000"));

        assertThat(answer).isEqualTo(new Answer(Status.PARTIAL, 10000, 10000, V1, false, 0));
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
        assertThatThrownBy(() -> RangeRequest.interpret(
                        ask(10, TO_THE_END, V1), ResponseHead.of(206, ""), "https://cdn.example/a"))
                .hasMessage("the origin sent 206 Partial Content without a Content-Range for the range bytes=10- asked"
                        + " for at https://cdn.example/a");
    }

    private static Answer interpret(long offset, ResponseHead head) {
        return interpret(ask(offset, TO_THE_END, V1), head);
    }

    private static Answer interpret(OriginRequest request, ResponseHead head) {
        return RangeRequest.interpret(request, head, "");
    }

    private static OriginRequest ask(long offset, long end, Validators validators) {
        return OriginRequest.of(URI.create("http://a.example/x")).withRange(offset, end, validators);
    }

    private static ResponseHead partial(String contentRange, String... more) {
        String[] headers = new String[more.length + 2];
        headers[0] = "Content-Range";
        headers[1] = contentRange;
        System.arraycopy(more, 0, headers, 2, more.length);
        return ResponseHead.of(206, "Partial Content", headers);
    }

    private static OriginFailure unusable(ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(OriginFailure.class);
        OriginFailure f = (OriginFailure) t;
        assertThat(f.isUnusableRange()).as("unusable range: %s", f.getMessage()).isTrue();
        assertThat(f.isTransient()).isTrue();
        return f;
    }
}
