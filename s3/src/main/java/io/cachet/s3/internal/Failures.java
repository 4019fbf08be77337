package io.cachet.s3.internal;

import io.cachet.spi.OriginFailure;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * The SDK's failures as {@link OriginFailure}s, which is what the engine classifies: 5xx, 408 and
 * 429 transient; 403 permanent, saying to check the credentials; 404 permanent; a server that cannot
 * be reached transient.
 */
final class Failures {
    private Failures() {}

    /** The failure behind the SDK's wrappers. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The HTTP status of a failure the server answered, else 0. */
    static int status(Throwable e) {
        return unwrap(e) instanceof SdkServiceException s ? s.statusCode() : 0;
    }

    static @Nullable String code(Throwable e) {
        return unwrap(e) instanceof AwsServiceException s && s.awsErrorDetails() != null
                ? s.awsErrorDetails().errorCode()
                : null;
    }

    /**
     * {@code e} as the engine should see it.
     *
     * @param what what was asked, for the message: {@code "reading s3://bucket/key"}
     */
    static Throwable map(Throwable e, String what) {
        Throwable t = unwrap(e);
        if (t instanceof OriginFailure || t instanceof IllegalArgumentException) {
            return t;
        }
        if (t instanceof SdkServiceException s) {
            int status = s.statusCode();
            String code = code(t);
            String answered = "HTTP " + status + (code == null ? "" : " " + code);
            if (status == 401 || status == 403) {
                return new OriginFailure(
                        "the S3 tier refused " + what + " (" + answered + "): check the AWS credentials"
                                + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the tier's explicit ones), the region,"
                                + " and that they may read and write the bucket",
                        status,
                        false,
                        null,
                        t);
            }
            if ("NoSuchBucket".equals(code)) {
                return new OriginFailure(
                        "the S3 tier's bucket does not exist (" + answered + ") while " + what
                                + ": create it, or check the tier's bucket name and endpoint",
                        status,
                        false,
                        null,
                        t);
            }
            return new OriginFailure(
                    answered + " from the S3 tier while " + what,
                    status,
                    OriginFailure.isTransientStatus(status),
                    null,
                    t);
        }
        if (t instanceof SdkClientException) {
            return new OriginFailure(
                    "the S3 tier could not be reached while " + what + ": " + t.getMessage(), 0, true, null, t);
        }
        return t;
    }
}
