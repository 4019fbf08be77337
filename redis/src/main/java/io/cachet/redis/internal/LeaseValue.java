package io.cachet.redis.internal;

import io.cachet.spi.Cluster.Holder;
import io.cachet.spi.Text;
import java.util.Locale;

/**
 * The value stored under a lease's key: the owner's token on the first line, then what other hosts
 * show while they wait (informational only, never a reason to break a lease):
 *
 * <pre>
 * 3f9c0a...e1 (32 hex: the token, 128 random bits)\n
 * BYTES TOTAL PID HOST
 * </pre>
 *
 * The scripts compare the token line only, so an owner can rewrite its progress on every renewal.
 */
final class LeaseValue {
    /** The most of a stored value that is read back; a larger one is someone else's key. */
    private static final int MAX_LENGTH = 512;

    private static final Holder UNKNOWN = new Holder("unknown host", -1, -1, -1);

    private LeaseValue() {}

    /** The prefix the scripts compare: the token and its newline. */
    static String tokenLine(String token) {
        return token + "\n";
    }

    static String encode(String token, Holder holder) {
        return tokenLine(token)
                + String.format(Locale.ROOT, "%d %d %d %s", holder.bytes(), holder.total(), holder.pid(), host(holder));
    }

    /** The holder a value describes; {@link #UNKNOWN}'s fields for what does not parse. */
    static Holder decode(String value) {
        if (value.length() > MAX_LENGTH) {
            return UNKNOWN;
        }
        int newline = value.indexOf('\n');
        if (newline < 0) {
            return UNKNOWN;
        }
        String[] fields = value.substring(newline + 1).split(" ", 4);
        if (fields.length < 4) {
            return UNKNOWN;
        }
        try {
            return new Holder(
                    Text.printable(fields[3], 255),
                    Long.parseLong(fields[2]),
                    Long.parseLong(fields[0]),
                    Long.parseLong(fields[1]));
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    private static String host(Holder holder) {
        String host = holder.host().replaceAll("[\\p{Cntrl}]", "?");
        return host.isEmpty() ? "?" : host.length() > 255 ? host.substring(0, 255) : host;
    }
}
