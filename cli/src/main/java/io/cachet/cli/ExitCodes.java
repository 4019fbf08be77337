package io.cachet.cli;

import io.cachet.IntegrityException;
import io.cachet.InvalidRequestException;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.StorageException;
import picocli.CommandLine;
import reactor.core.Exceptions;

/**
 * The exit codes of every command, a contract scripts depend on.
 *
 * <pre>
 * 0  success
 * 1  internal error: a bug in cachet (please report it, with --debug output)
 * 2  usage error or invalid request: bad option, URL, key, digest, header or manifest line
 * 3  integrity failure: digest or size mismatch, nothing committed (verify: corrupt blobs found)
 * 4  origin failure after retries: 404, 403, connection refused, 5xx...
 * 5  storage failure: disk full, permission denied, read-only file system, unsafe cache directory
 * 6  gave up waiting for another process's lock (--lock-timeout); that process was left alone
 * 7  offline (--offline, CACHET_OFFLINE=1) and the artifact is not cached; no request was made
 * 8  rm: a key is being fetched, here or by another process, so it was left alone
 * </pre>
 *
 * <p>When a command reports several outcomes ({@code fetch-all}), its exit code is the most severe,
 * which is the highest number among them: one code to test, and a nonzero one if anything failed.
 */
final class ExitCodes {
    static final int OK = 0;
    static final int INTERNAL = 1;
    static final int USAGE = 2;
    static final int INTEGRITY = 3;
    static final int ORIGIN = 4;
    static final int STORAGE = 5;
    static final int LOCK_TIMEOUT = 6;
    static final int OFFLINE = 7;
    static final int BUSY = 8;

    private ExitCodes() {}

    /** The exit code for a failure. */
    static int of(Throwable failure) {
        Throwable t = Exceptions.unwrap(failure);
        if (t instanceof InvalidRequestException) {
            return USAGE;
        }
        if (t instanceof IntegrityException) {
            return INTEGRITY;
        }
        if (t instanceof OriginException) {
            return ORIGIN;
        }
        if (t instanceof StorageException) {
            return STORAGE;
        }
        if (t instanceof LockTimeoutException) {
            return LOCK_TIMEOUT;
        }
        if (t instanceof OfflineException) {
            return OFFLINE;
        }
        if (t instanceof UsageException || t instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        return INTERNAL;
    }

    /** The more severe of two exit codes: the higher. */
    static int mostSevere(int a, int b) {
        return Math.max(a, b);
    }
}
