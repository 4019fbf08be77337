package io.cachet.redis.internal;

/**
 * The three Lua scripts of the lease protocol. Each runs atomically in Redis, so a lease is taken,
 * extended or deleted only by the one owner whose token is in it; expiry (PX) runs on Redis's clock.
 *
 * <pre>
 * acquire  KEYS[1]=lease  ARGV[1]=value ARGV[2]=ttl ms
 *          SET NX PX; returns ARGV[1] when granted, else the holder's value ("" if unreadable)
 * renew    KEYS[1]=lease  ARGV[1]=token line ARGV[2]=new value ARGV[3]=ttl ms
 *          if the value starts with the token line: SET PX, 1; else 0
 * release  KEYS[1]=lease  ARGV[1]=token line ARGV[2]=channel ARGV[3]=lease name
 *          if the value starts with the token line: DEL, PUBLISH channel name, 1; else 0
 * </pre>
 */
final class LeaseScripts {
    private LeaseScripts() {}

    static final String ACQUIRE = """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              return ARGV[1]
            end
            return redis.call('GET', KEYS[1]) or ''
            """;

    static final String RENEW = """
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              return 1
            end
            return 0
            """;

    static final String RELEASE = """
            local v = redis.call('GET', KEYS[1])
            if v and string.sub(v, 1, string.len(ARGV[1])) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('PUBLISH', ARGV[2], ARGV[3])
              return 1
            end
            return 0
            """;
}
