package io.cachet.testing;

import io.cachet.spi.OriginRequest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import reactor.core.scheduler.Scheduler;

/**
 * What {@link FaultyOrigin#serve(String, Served)} answers at one URI, to any number of requests,
 * the way a static file server does: an ETag, {@code Accept-Ranges}, and ranges (bounded or to the
 * end) answered with their bytes unless {@code If-Range} names another version. Faults are
 * scripted by request number or by the range asked for; every answer's body bytes are counted.
 *
 * <pre>{@code
 * origin.serve("https://mirror.test/m.bin", Served.bytes(BODY).wrongByteAt(5_000_000));
 * origin.serve("https://origin.test/m.bin", Served.bytes(BODY).cutRangeAfter(4 << 20, 1000).ignoreRangesAfter(6));
 * }</pre>
 *
 * <p>Requests are numbered from 0 in arrival order; "after {@code n} requests" means from request
 * number {@code n} on.
 */
public final class Served {
    private final byte[] body;
    private final AtomicInteger requests = new AtomicInteger();
    private final Counter sent = new Counter();
    private final List<OriginRequest> asked = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private String etag = "\"v1\"";
    private int ignoreRangesAfter = Integer.MAX_VALUE;
    private int newVersionAfter = Integer.MAX_VALUE;
    private String newEtag = "\"v2\"";
    private long wrongByteAt = -1;
    private int chunk = 8192;
    private Scheduler signalOn;
    private Duration delay;
    private Scheduler delayOn;

    private Served(byte[] body) {
        this.body = body;
    }

    /** Serves {@code body}. */
    public static Served bytes(byte[] body) {
        return new Served(body);
    }

    /** The ETag of the (first) version; {@code "v1"} by default. */
    public Served etag(String etag) {
        this.etag = etag;
        return this;
    }

    /** From request number {@code n} on, ranges are ignored: the whole body, as a 200. */
    public Served ignoreRangesAfter(int n) {
        this.ignoreRangesAfter = n;
        return this;
    }

    /** From request number {@code n} on, the artifact is another version (same bytes, ETag {@code etag}). */
    public Served newVersionAfter(int n, String etag) {
        this.newVersionAfter = n;
        this.newEtag = etag;
        return this;
    }

    /** Every answer holding the byte at {@code offset} has it flipped: wrong bytes, same size. */
    public Served wrongByteAt(long offset) {
        this.wrongByteAt = offset;
        return this;
    }

    /** The first answer to a range starting at {@code first} breaks after {@code bytes} body bytes. */
    public Served cutRangeAfter(long first, long bytes) {
        return once(r -> r.offset() == first, r -> r.disconnectAfter(bytes));
    }

    /** Changes the first answer to a request that {@code which} selects. */
    public Served once(Predicate<OriginRequest> which, UnaryOperator<FaultyOrigin.Response> fault) {
        faults.add(new Fault(which, fault, true));
        return this;
    }

    /** Changes every answer to a request that {@code which} selects. */
    public Served always(Predicate<OriginRequest> which, UnaryOperator<FaultyOrigin.Response> fault) {
        faults.add(new Fault(which, fault, false));
        return this;
    }

    /** Chunk size of the bodies. */
    public Served chunks(int size) {
        this.chunk = size;
        return this;
    }

    /** Answers and sends every chunk on {@code scheduler}, as a transport's event loop would. */
    public Served on(Scheduler scheduler) {
        this.signalOn = scheduler;
        return this;
    }

    /** Each chunk is delayed by {@code delay} on {@code scheduler}: a slow server. */
    public Served delayEachChunk(Duration delay, Scheduler scheduler) {
        this.delay = delay;
        this.delayOn = scheduler;
        return this;
    }

    /** How many requests it answered. */
    public int requests() {
        return requests.get();
    }

    /** The requests it answered, in order. */
    public List<OriginRequest> asked() {
        return List.copyOf(asked);
    }

    /** Body bytes the engine took from its answers. */
    public long bytesSent() {
        return sent.get();
    }

    FaultyOrigin.Response answer(OriginRequest request) {
        asked.add(request);
        int number = requests.getAndIncrement();
        String version = number >= newVersionAfter ? newEtag : etag;
        byte[] bytes = wrongByteAt >= 0 ? Bytes.flip(body, (int) wrongByteAt) : body;
        boolean ranged = request.offset() > 0 || request.isBounded();
        boolean sameVersion = request.validators().isEmpty()
                || Objects.equals(request.validators().ifRange(), version);
        FaultyOrigin.Response answer;
        if (ranged && sameVersion && number < ignoreRangesAfter && request.offset() <= bytes.length) {
            long end = request.isBounded() ? Math.min(request.end(), bytes.length) : bytes.length;
            answer = FaultyOrigin.Response.partial(bytes, request.offset(), end);
        } else {
            answer = FaultyOrigin.Response.ok(bytes).acceptsRanges();
        }
        answer.etag(version).chunks(chunk);
        if (signalOn != null) {
            answer.on(signalOn);
        }
        if (delay != null) {
            answer.delayEachChunk(delay, delayOn);
        }
        for (Fault f : faults) {
            if (f.which.test(request) && (!f.once || f.used.compareAndSet(false, true))) {
                answer = f.change.apply(answer);
            }
        }
        return answer.countInto(sent);
    }

    /** A running count of bytes. */
    static final class Counter {
        private final AtomicLong bytes = new AtomicLong();

        void add(long n) {
            bytes.addAndGet(n);
        }

        long get() {
            return bytes.get();
        }
    }

    private record Fault(
            Predicate<OriginRequest> which,
            UnaryOperator<FaultyOrigin.Response> change,
            boolean once,
            AtomicBoolean used) {
        Fault(Predicate<OriginRequest> which, UnaryOperator<FaultyOrigin.Response> change, boolean once) {
            this(which, change, once, new AtomicBoolean());
        }
    }
}
