package io.cachet.cli;

import io.cachet.IntegrityException;
import io.cachet.InvalidRequestException;
import io.cachet.LockTimeoutException;
import io.cachet.OfflineException;
import io.cachet.OriginException;
import io.cachet.StorageException;
import io.cachet.spi.Text;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import reactor.core.Exceptions;

/**
 * How failures reach people: on stderr, one sentence saying what failed and why, then indented
 * detail lines: the exception's own message (which says what to do) and its typed fields, each
 * digest in full. A stack trace only with {@code --debug}. Every line goes through {@link
 * Messages#line}: no URL's query or user info, no Java API a command-line user cannot reach, no
 * control character, no endless word.
 *
 * <pre>
 * cachet: cannot fetch https://example.org/model.bin: integrity check failed
 *   integrity check failed for https://example.org/model.bin from ...: expected SHA-256 ... Nothing was committed. ...
 *   expected sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *   actual sha256:   2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 * </pre>
 */
final class Errors {
    private Errors() {}

    /**
     * Reports {@code failure} of {@code subject} (such as "cannot fetch URL") and returns its exit
     * code.
     */
    static int report(PrintStream err, String subject, Throwable failure, boolean debug) {
        Throwable t = Exceptions.unwrap(failure);
        int code = ExitCodes.of(t);
        List<String> lines = new ArrayList<>();
        lines.add("cachet: " + subject + ": " + headline(t));
        if (!saysAllInItsHeadline(t)) {
            lines.add("  " + message(t));
        }
        details(t, lines);
        if (code == ExitCodes.INTERNAL) {
            lines.add("  this is a bug in cachet; please report it with the output of the same command and --debug");
        }
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            b.append(Messages.line(line)).append('\n');
        }
        synchronized (err) {
            err.print(b);
            if (debug) {
                t.printStackTrace(err);
            }
            err.flush();
        }
        return code;
    }

    /**
     * What went wrong and what to do, on one line, for a JSON field: the exception's message, or the
     * headline when that says it all.
     */
    static String summary(Throwable failure) {
        Throwable t = Exceptions.unwrap(failure);
        return Messages.line(
                saysAllInItsHeadline(t) || ExitCodes.of(t) == ExitCodes.INTERNAL ? headline(t) : message(t));
    }

    private static boolean saysAllInItsHeadline(Throwable t) {
        return t instanceof UsageException
                || t instanceof CommandLine.ParameterException
                || t instanceof InvalidRequestException;
    }

    private static String headline(Throwable t) {
        if (t instanceof InvalidRequestException e) {
            return "invalid " + e.field() + " " + shownValue(e) + ": " + e.problem();
        }
        if (t instanceof IntegrityException e) {
            return switch (e.kind()) {
                case DIGEST_MISMATCH ->
                    "integrity check failed: the SHA-256 of the bytes received is not the expected one";
                case SIZE_MISMATCH -> "integrity check failed: the size of the bytes received is not the expected one";
                case TOO_LARGE -> "integrity check failed: the origin sent more bytes than expected";
            };
        }
        if (t instanceof OriginException e) {
            return "the origin failed (" + e.reason() + ")";
        }
        if (t instanceof StorageException e) {
            return "the cache directory cannot be used ("
                    + e.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")";
        }
        if (t instanceof LockTimeoutException) {
            return "gave up waiting for another process that is downloading it";
        }
        if (t instanceof OfflineException) {
            return "it is not in the cache, and the cache is offline";
        }
        if (t instanceof UsageException || t instanceof CommandLine.ParameterException) {
            return message(t);
        }
        return "internal error: " + t;
    }

    /** The offending value; a URI that did not parse may still hold a query or user info. */
    private static String shownValue(InvalidRequestException e) {
        String v = e.value();
        if (!e.field().equals("uri")) {
            return v;
        }
        boolean quoted = v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"");
        return '"' + Messages.redact(quoted ? v.substring(1, v.length() - 1) : v) + '"';
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getName() : m;
    }

    private static void details(Throwable t, List<String> b) {
        if (t instanceof IntegrityException e) {
            if (e.expectedSha256() != null) {
                line(b, "expected sha256", e.expectedSha256().hex());
            }
            line(
                    b,
                    "actual sha256",
                    e.actualSha256() == null
                            ? "unknown (the transfer was cut off)"
                            : e.actualSha256().hex());
            if (e.expectedSize() >= 0) {
                line(b, "expected size", e.expectedSize() + " bytes");
            }
            line(b, "received", e.actualSize() + " bytes");
        } else if (t instanceof OriginException e) {
            if (e.status() > 0) {
                line(b, "status", Integer.toString(e.status()));
            }
            line(b, "attempts", Integer.toString(e.attempts()));
            e.retryAfter().ifPresent(d -> line(b, "retry after", Text.duration(d)));
        } else if (t instanceof StorageException e) {
            line(b, "path", String.valueOf(e.path()));
        } else if (t instanceof LockTimeoutException e) {
            e.holderPid().ifPresent(pid -> line(b, "holder pid", Long.toString(pid)));
            line(b, "lock file", String.valueOf(e.lockFile()));
            line(b, "waited", Text.duration(e.waited()));
        }
    }

    private static void line(List<String> lines, String name, String value) {
        lines.add("  " + name + ":" + " ".repeat(Math.max(1, 17 - name.length())) + value);
    }
}
