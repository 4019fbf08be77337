package io.cachet.internal.fetch;

import io.cachet.CachetException;
import io.cachet.IntegrityException;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.write.StreamingWriter;
import io.cachet.spi.OriginFailure;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Turns whatever an attempt failed with into the one {@link CachetException} a caller sees: the
 * transport's and the writer's errors become origin, integrity or storage failures with messages
 * that say what to do. Pure: no I/O.
 */
final class Failures {
    private final Key key;
    private final String url;
    private final @Nullable Sha256 pinned;
    private final Duration idleTimeout;

    Failures(Key key, String url, @Nullable Sha256 pinned, Duration idleTimeout) {
        this.key = key;
        this.url = url;
        this.pinned = pinned;
        this.idleTimeout = idleTimeout;
    }

    /**
     * The failure as callers see it.
     *
     * @param attempts how many times the origin was asked so far
     * @param part the part file being written, for storage failures
     * @param expectedSize what the artifact should weigh, for integrity failures
     */
    CachetException classify(Throwable t, int attempts, Path part, long expectedSize) {
        if (t instanceof CachetException c) {
            return c;
        }
        if (t instanceof StreamingWriter.WriteFailed w) {
            return storage(part, "write", w.io());
        }
        if (t instanceof StreamingWriter.Overflow o) {
            return integrity(IntegrityException.Kind.TOO_LARGE, null, expectedSize, o.reached());
        }
        if (t instanceof OriginFailure f) {
            return new OriginException(url, f.status(), attempts, f.isTransient(), f.retryAfter(), describe(f), f);
        }
        if (t instanceof StreamingWriter.Stalled s) {
            return new OriginException(url, 0, attempts, true, null, describe(s), s);
        }
        if (t instanceof TimeoutException) {
            return new OriginException(
                    url, 0, attempts, true, null, "no response within " + idleTimeout.toMillis() + " ms", t);
        }
        if (t instanceof IOException e) {
            return new OriginException(url, 0, attempts, true, null, describe(e), e);
        }
        return new OriginException(url, 0, attempts, false, null, "unexpected failure: " + t, t);
    }

    /** A storage failure on the part file; says so when someone deleted it while it was written. */
    static StorageException storage(Path part, String operation, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new StorageException(
                    part,
                    operation,
                    StorageException.Reason.IO,
                    "the part file was deleted while it was being downloaded (by hand, or by a cleanup of"
                            + " tmp/); fetch again",
                    e);
        }
        return StorageException.of(part, operation, e);
    }

    /** An integrity failure of this download. */
    IntegrityException integrity(
            IntegrityException.Kind kind, @Nullable Sha256 actual, long expectedSize, long actualSize) {
        return new IntegrityException(kind, key, url, pinned, actual, expectedSize, actualSize);
    }

    /** A transient origin failure that gave up, with the origin's wish to be asked much later. */
    OriginException patienceExceeded(OriginException failure, Duration asked, Duration patience) {
        return new OriginException(
                url,
                failure.status(),
                failure.attempts(),
                true,
                asked,
                failure.reason() + "; the origin asked to be retried after " + asked.toSeconds()
                        + " s, longer than the " + patience.toSeconds() + " s this cache waits",
                failure.getCause());
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
