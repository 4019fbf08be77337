package io.cachet.internal.store;

import io.cachet.internal.digest.Digests;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The unique part of every temporary name, {@code <pid>-<host>-<random>}: the writer's pid, the
 * first 8 hex characters of the SHA-256 of its host name, and 64 random bits. The name alone then
 * says who wrote a file, so a file whose owner is provably gone can be collected even when it has no
 * sidecar. Names of the older {@code <pid>-<random>} form count as this host's.
 */
final class Unique {
    private static final String HOST = Digests.hex(Processes.CURRENT.host()).substring(0, 8);
    private static final String PREFIX = Processes.CURRENT.pid() + "-" + HOST + "-";

    private Unique() {}

    static String next() {
        return PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /** Whether this process wrote {@code unique}. */
    static boolean isCurrent(String unique) {
        String[] fields = unique.split("-");
        return pid(fields) == Processes.CURRENT.pid() && onThisHost(fields);
    }

    /** Whether the writer of {@code unique} is provably gone (this host, no live process with its pid). */
    static boolean isProvablyGone(String unique) {
        String[] fields = unique.split("-");
        long pid = pid(fields);
        return pid > 0
                && onThisHost(fields)
                && Processes.isProvablyGone(new Store.Owner(Processes.CURRENT.host(), pid, 0));
    }

    private static boolean onThisHost(String[] fields) {
        return fields.length == 2 || (fields.length == 3 && fields[1].equals(HOST));
    }

    private static long pid(String[] fields) {
        if (fields.length < 2 || fields.length > 3) {
            return -1;
        }
        try {
            return Long.parseLong(fields[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
