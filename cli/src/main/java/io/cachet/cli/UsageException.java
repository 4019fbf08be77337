package io.cachet.cli;

/** A command line that cannot be run as written; exit code 2. The message says how to fix it. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
