package io.cachet;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The cache directory could not be read or written. Nothing half-written was left at a final
 * path, and the part file was removed when it could be.
 */
public final class StorageException extends CachetException {
    private static final long serialVersionUID = 1L;

    /** The kind of storage failure, for callers who want to react differently. */
    public enum Reason {
        /** The file system is full, out of inodes, or the file would exceed a size limit. */
        NO_SPACE,
        /** The process may not create or change the file. */
        PERMISSION,
        /** The file system is mounted read-only. */
        READ_ONLY,
        /** The cache directory is laid out or shared in a way that is not safe to use. */
        UNSAFE_LAYOUT,
        /** Any other I/O failure. */
        IO
    }

    private final transient Path path;
    private final String operation;
    private final Reason reason;
    private final String detail;
    private final @Nullable String committed;

    /**
     * @param path the file or directory concerned
     * @param operation what Cachet was doing, such as {@code write} or {@code create}
     * @param reason the kind of failure
     * @param detail what the system said, or why the layout is unsafe
     * @param cause the underlying failure, if any
     */
    public StorageException(Path path, String operation, Reason reason, String detail, @Nullable Throwable cause) {
        this(path, operation, reason, detail, null, cause);
    }

    private StorageException(
            Path path,
            String operation,
            Reason reason,
            String detail,
            @Nullable String committed,
            @Nullable Throwable cause) {
        super(message(path, operation, reason, detail, committed), cause);
        this.path = path;
        this.operation = operation;
        this.reason = reason;
        this.detail = detail;
        this.committed = committed;
    }

    /**
     * The same failure, having happened after part of the work was committed: the message says
     * {@code committed} instead of "nothing was committed".
     */
    public StorageException withCommitted(String committed) {
        return new StorageException(path, operation, reason, detail, committed, getCause());
    }

    /** Classifies an {@link IOException} by what the operating system reported. */
    public static StorageException of(Path path, String operation, IOException cause) {
        Reason reason = classify(cause);
        String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof AccessDeniedException) {
            detail = "permission denied";
        }
        return new StorageException(path, operation, reason, detail, cause);
    }

    private static Reason classify(IOException e) {
        if (e instanceof AccessDeniedException) {
            return Reason.PERMISSION;
        }
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("no space left") || m.contains("file too large") || m.contains("quota")) {
            return Reason.NO_SPACE;
        }
        if (m.contains("read-only file system")) {
            return Reason.READ_ONLY;
        }
        if (m.contains("permission denied") || m.contains("operation not permitted")) {
            return Reason.PERMISSION;
        }
        return Reason.IO;
    }

    private static String message(
            Path path, String operation, Reason reason, String detail, @Nullable String committed) {
        String advice = switch (reason) {
            case NO_SPACE -> "free space on that file system, or point the cache at another directory";
            case PERMISSION ->
                "give this user write access to the cache directory, or use another one (a cache that"
                        + " several users share must be opened as shared with their group by every one of them)";
            case READ_ONLY -> "the file system is read-only: point the cache at a writable directory";
            case UNSAFE_LAYOUT -> "fix the directory as described, or point the cache elsewhere";
            case IO -> "check the disk and the cache directory";
        };
        String outcome = committed == null ? "Nothing was committed" : capitalized(committed);
        return "could not " + operation + " " + path + ": " + detail + ". " + outcome + "; " + advice + ".";
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The file or directory concerned. */
    public Path path() {
        return path;
    }

    /** What Cachet was doing: {@code write}, {@code create}, {@code move}, {@code fsync}, ... */
    public String operation() {
        return operation;
    }

    /** The kind of failure. */
    public Reason reason() {
        return reason;
    }

    /** What was committed before the failure, if anything: empty when nothing was. */
    public java.util.Optional<String> committed() {
        return java.util.Optional.ofNullable(committed);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
