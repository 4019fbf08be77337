package io.cachet.reactor.testing;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * What {@link FaultyServer#serve(String, Served)} answers at a path, to any number of requests, the
 * way a static file server such as nginx does: a strong ETag and a Last-Modified, {@code Accept-Ranges:
 * bytes}, and {@code Range} requests ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) answered
 * with 206 unless {@code If-Range} names another version (then 200), 416 past the end. Immutable;
 * every method returns a changed copy.
 *
 * <pre>{@code
 * server.serve("/big.bin", Served.bytes(body)
 *         .limitRate(2 << 20)                  // 2 MiB/s per connection: 4 connections get 8 MiB/s
 *         .cutRangeAfter(4 << 20, 1000)        // the first answer for the range at 4 MiB stops after 1000 bytes
 *         .ignoreRangesAfter(6));              // from the 7th request on, 200 with the whole body
 * ... server.bytesSent(), server.requests().get(i).bytesSent() ...
 * }</pre>
 *
 * <p>Requests to the path are numbered from 0 in arrival order; "after {@code n} requests" means
 * from request number {@code n} on.
 */
public final class Served implements Cloneable {
    /** The Last-Modified of the first version, and of the one after {@link #newVersionAfter}. */
    static final String FIRST_MODIFIED = "Tue, 01 Apr 2025 10:00:00 GMT";

    static final String NEXT_MODIFIED = "Wed, 02 Apr 2025 10:00:00 GMT";

    private byte[] body;
    private long bytesPerSecond;
    private int ignoreRangesAfter = Integer.MAX_VALUE;
    private int newVersionAfter = Integer.MAX_VALUE;
    private byte[] newBody;
    private long wrongByteAt = -1;
    private List<Fault> faults = List.of();

    private Served(byte[] body) {
        this.body = body;
        this.newBody = body;
    }

    /** Serves {@code body}. */
    public static Served bytes(byte[] body) {
        return new Served(body.clone());
    }

    /**
     * The strong ETag of {@code body} as version 1 or 2 ({@link #newVersionAfter}) of a path: a
     * quoted prefix of its SHA-256, with {@code -2} for the second version.
     */
    public static String etagOf(byte[] body, int version) {
        try {
            String hash = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(body))
                    .substring(0, 16);
            return "\"" + hash + (version == 1 ? "" : "-" + version) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends every answer at about {@code bytesPerSecond}, each on its own: like nginx's {@code
     * limit_rate}, a limit per connection, so that {@code n} connections together get {@code n}
     * times as much.
     */
    public Served limitRate(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("a rate must be positive: " + bytesPerSecond);
        }
        return with(s -> s.bytesPerSecond = bytesPerSecond);
    }

    /** From request number {@code requests} on, a {@code Range} is ignored: 200 with the whole body. */
    public Served ignoreRangesAfter(int requests) {
        return with(s -> s.ignoreRangesAfter = requests);
    }

    /**
     * From request number {@code requests} on, serves {@code body} as a new version: new ETag
     * ({@link #etagOf etagOf(body, 2)}) and Last-Modified, even if the bytes are the same. A range
     * asked for with {@code If-Range} naming the old version then gets 200 and the new body.
     */
    public Served newVersionAfter(int requests, byte[] body) {
        byte[] copy = body.clone();
        return with(s -> {
            s.newVersionAfter = requests;
            s.newBody = copy;
        });
    }

    /** Every answer that holds the byte at {@code offset} of the artifact has it flipped: wrong bytes, same size. */
    public Served wrongByteAt(long offset) {
        return with(s -> s.wrongByteAt = offset);
    }

    /** The first answer to a range starting at {@code first} closes its connection after {@code bytes} body bytes. */
    public Served cutRangeAfter(long first, long bytes) {
        return once(asked -> asked.first() == first, r -> r.disconnectAfter(bytes));
    }

    /** Changes the first answer to a request that {@code which} selects, for example with {@link Response#stallAfter}. */
    public Served once(Predicate<Asked> which, UnaryOperator<Response> fault) {
        return fault(which, fault, true);
    }

    /** Changes every answer to a request that {@code which} selects. */
    public Served always(Predicate<Asked> which, UnaryOperator<Response> fault) {
        return fault(which, fault, false);
    }

    private Served fault(Predicate<Asked> which, UnaryOperator<Response> fault, boolean once) {
        List<Fault> more = new ArrayList<>(faults);
        more.add(new Fault(which, fault, once));
        return with(s -> s.faults = List.copyOf(more));
    }

    private Served with(Consumer<Served> change) {
        try {
            Served copy = (Served) clone();
            change.accept(copy);
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError("Served is Cloneable", e);
        }
    }

    /**
     * One request to a served path.
     *
     * @param index its number among the requests to this path, from 0
     * @param first the first byte its {@code Range} asked for, or -1 without a usable {@code Range}
     * @param last the last byte it asked for, or -1 for "to the end"
     * @param connection which connection it came on
     */
    public record Asked(int index, long first, long last, String connection) {
        /** Whether it asked for a range the server understands. */
        public boolean ranged() {
            return first >= 0;
        }
    }

    private record Fault(Predicate<Asked> which, UnaryOperator<Response> change, boolean once) {}

    /** The state of one path on one server: how many requests came, which one-off faults were used. */
    Registration register() {
        return new Registration(this);
    }

    static final class Registration {
        private final Served spec;
        private final AtomicInteger requests = new AtomicInteger();
        private final List<AtomicBoolean> used = new ArrayList<>();

        private Registration(Served spec) {
            this.spec = spec;
            for (int i = 0; i < spec.faults.size(); i++) {
                used.add(new AtomicBoolean());
            }
        }

        Response answer(@Nullable String range, @Nullable String ifRange, String connection) {
            int index = requests.getAndIncrement();
            boolean second = index >= spec.newVersionAfter;
            byte[] body = second ? spec.newBody : spec.body;
            String etag = etagOf(body, second ? 2 : 1);
            String modified = second ? NEXT_MODIFIED : FIRST_MODIFIED;
            long[] asked = parse(range, body.length);
            boolean sameVersion = ifRange == null || ifRange.equals(etag) || ifRange.equals(modified);
            boolean ignoring = index >= spec.ignoreRangesAfter;
            Response r;
            long start = 0;
            if (asked != null && asked[0] >= body.length && sameVersion && !ignoring) {
                r = Response.rangeNotSatisfiable(body.length);
            } else if (asked != null && sameVersion && !ignoring) {
                start = asked[0];
                long last = asked[1] < 0 ? body.length - 1 : Math.min(asked[1], body.length - 1);
                r = Response.range(body, start, last);
            } else {
                r = Response.ok(body);
            }
            r = r.etag(etag).lastModified(modified);
            if (!ignoring) {
                r = r.header("Accept-Ranges", "bytes");
            }
            if (spec.wrongByteAt >= start && spec.wrongByteAt - start < r.body.length) {
                r = r.flipByte(spec.wrongByteAt - start);
            }
            if (spec.bytesPerSecond > 0) {
                r = r.throttle(spec.bytesPerSecond);
            }
            Asked a = new Asked(index, asked == null ? -1 : asked[0], asked == null ? -1 : asked[1], connection);
            for (int i = 0; i < spec.faults.size(); i++) {
                Fault f = spec.faults.get(i);
                if (f.which().test(a) && (!f.once() || used.get(i).compareAndSet(false, true))) {
                    r = f.change().apply(r);
                }
            }
            return r;
        }

        /**
         * {@code [first, last]} of a single byte range ({@code last} -1 for "to the end"), or null
         * for no {@code Range}, another unit, several ranges or a malformed one: all of which a
         * server may ignore.
         */
        private static long @Nullable [] parse(@Nullable String range, long length) {
            if (range == null || !range.toLowerCase(Locale.ROOT).startsWith("bytes=") || range.indexOf(',') >= 0) {
                return null;
            }
            String spec = range.substring(6).strip();
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            try {
                if (dash == 0) {
                    long suffix = Long.parseLong(spec.substring(1));
                    return suffix <= 0 ? null : new long[] {Math.max(0, length - suffix), -1};
                }
                long first = Long.parseLong(spec.substring(0, dash));
                long last = dash == spec.length() - 1 ? -1 : Long.parseLong(spec.substring(dash + 1));
                return first < 0 || (last >= 0 && last < first) ? null : new long[] {first, last};
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    @Override
    public String toString() {
        return "Served[" + body.length + " bytes" + (bytesPerSecond > 0 ? ", " + bytesPerSecond + " B/s" : "") + "]";
    }
}
