package io.cachet.redis;

import java.io.Serial;

/**
 * Redis could not be asked: it is unreachable, did not answer in time, refused the credentials or
 * the command. Leases then cannot be had; a cache falls back to what a single host does.
 */
public final class RedisClusterException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String where;

    /**
     * @param where the server, as it may appear in messages (no password)
     * @param problem what went wrong, in a few words
     * @param cause Lettuce's error
     */
    public RedisClusterException(String where, String problem, Throwable cause) {
        super(
                "Redis at " + where + ": " + problem
                        + "; check that redis-server is running and reachable there (the cluster URI, e.g. --cluster)",
                cause);
        this.where = where;
    }

    /** The server, as it may appear in messages: {@code redis://HOST:PORT}. */
    public String where() {
        return where;
    }
}
