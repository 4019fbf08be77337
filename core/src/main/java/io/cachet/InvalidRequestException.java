package io.cachet;

/** A request that cannot be served as written: a malformed key, digest, size, URI or header. */
public final class InvalidRequestException extends CachetException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String value;
    private final String problem;

    /**
     * @param field the part of the request at fault, such as {@code key} or {@code uri}
     * @param value how the bad value reads (already quoted and printable)
     * @param problem what is wrong and how to write it instead
     */
    public InvalidRequestException(String field, String value, String problem) {
        super("invalid " + field + " " + value + ": " + problem, null);
        this.field = field;
        this.value = value;
        this.problem = problem;
    }

    static InvalidRequestException of(String field, String value, String problem) {
        return new InvalidRequestException(field, value, problem);
    }

    /** The part of the request at fault, such as {@code key}, {@code sha256} or {@code uri}. */
    public String field() {
        return field;
    }

    /** The offending value, quoted and with control characters escaped. */
    public String value() {
        return value;
    }

    /** What is wrong, and how to write it instead. */
    public String problem() {
        return problem;
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
