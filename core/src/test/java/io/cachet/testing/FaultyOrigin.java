package io.cachet.testing;

import io.cachet.spi.Origin;
import io.cachet.spi.OriginFailure;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * An in-memory, fault-injecting origin for fast engine tests, in the manner of OkHttp's
 * MockWebServer: {@link #enqueue} scripted {@link Response}s, read back what was asked with {@link
 * #requests()}. With nothing queued and no {@link #serve} fallback, a request fails with a
 * permanent 500 and is counted in {@link #unexpected()}, so an unexpected second download is loud.
 * Serves {@code http} and {@code https} URIs.
 */
public final class FaultyOrigin implements Origin {
    private final Queue<Response> queue = new ConcurrentLinkedQueue<>();
    private final List<OriginRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger unexpected = new AtomicInteger();
    private final AtomicInteger bodyCancels = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicBoolean askedPastStall = new AtomicBoolean();
    private final AtomicInteger stalled = new AtomicInteger();
    private volatile Function<OriginRequest, Response> fallback;
    private final java.util.Map<String, Served> served = new java.util.concurrent.ConcurrentHashMap<>();

    /** Answers the next request with each of {@code responses}, in order. */
    public FaultyOrigin enqueue(Response... responses) {
        queue.addAll(List.of(responses));
        return this;
    }

    /**
     * When the queue is empty, serves {@code body} to every request, honouring ranges (bounded ones
     * too) asked with this ETag or none, as a static file server does; answers say they accept ranges.
     */
    public FaultyOrigin serve(byte[] body, String etag) {
        Served all = Served.bytes(body).etag(etag);
        fallback = all::answer;
        return this;
    }

    /** Serves {@code uri} (exactly as requested) as {@code what} says, before the queue and the fallback. */
    public FaultyOrigin serve(String uri, Served what) {
        served.put(uri, what);
        return this;
    }

    @Override
    public boolean supports(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("http") || scheme.equals("https");
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.defer(() -> {
            requests.add(request);
            Served at = served.get(request.uri().toString());
            if (at != null) {
                return at.answer(request).respond(this);
            }
            Response next = queue.poll();
            if (next == null && fallback != null) {
                next = fallback.apply(request);
            }
            if (next == null) {
                unexpected.incrementAndGet();
                return Mono.error(new OriginFailure(
                        "unexpected request to the test origin: " + request.uri(), 500, false, null, null));
            }
            return next.respond(this);
        });
    }

    /** Every request received, in order. */
    public List<OriginRequest> requests() {
        return List.copyOf(requests);
    }

    /** How many times the origin was opened. */
    public int opens() {
        return requests.size();
    }

    /** Requests that found nothing queued. */
    public int unexpected() {
        return unexpected.get();
    }

    /** Bodies cancelled by the engine. */
    public int bodyCancels() {
        return bodyCancels.get();
    }

    /** Body bytes the engine has taken (each chunk counted after its {@code onNext} returned). */
    public long bytesSent() {
        return bytesSent.get();
    }

    /**
     * Whether the engine has asked for body bytes beyond a {@code stallAfter} point: it has taken
     * everything before it and now waits, which is when an idle timeout starts to run.
     */
    public boolean askedPastStall() {
        return askedPastStall.get();
    }

    /** How many bodies with a {@code stallAfter} point have been asked for bytes past it. */
    public int stalled() {
        return stalled.get();
    }

    /** Responses still queued. */
    public int pending() {
        return queue.size();
    }

    /** One scripted answer. */
    public static final class Response {
        private final Throwable openError;
        private final OriginResponse.Status status;
        private final long offset;
        private final long total;
        private final long bodySize;
        private final ChunkSource source;
        private Validators validators = Validators.NONE;
        private long declaredLength = Long.MIN_VALUE;
        private int chunk = 8192;
        private long failAfter = -1;
        private Throwable bodyError;
        private long stallAfter = -1;
        private Mono<?> gate;
        private long pauseAfter = -1;
        private Mono<?> pauseGate;
        private Duration delayPerChunk;
        private Scheduler delayScheduler;
        private boolean neverAnswers;
        private Scheduler signalOn;
        private boolean acceptsRanges;
        private Served.Counter counter;

        private Response(
                Throwable openError,
                OriginResponse.Status status,
                long offset,
                long total,
                long bodySize,
                ChunkSource source) {
            this.openError = openError;
            this.status = status;
            this.offset = offset;
            this.total = total;
            this.bodySize = bodySize;
            this.source = source;
        }

        /** The whole of {@code body}. */
        public static Response ok(byte[] body) {
            return new Response(
                    null,
                    OriginResponse.Status.FULL,
                    0,
                    body.length,
                    body.length,
                    (at, n) -> ByteBuffer.wrap(body, (int) at, n).slice().asReadOnlyBuffer());
        }

        /** {@code size} generated bytes of the stream for {@code seed} (see {@link Bytes#fill}). */
        public static Response generated(long size, long seed) {
            return new Response(null, OriginResponse.Status.FULL, 0, size, size, (at, n) -> {
                byte[] part = new byte[n];
                Bytes.fill(part, at, seed);
                return ByteBuffer.wrap(part);
            });
        }

        /** The rest of {@code whole} from {@code offset}, as a 206 would be. */
        public static Response partial(byte[] whole, long offset) {
            return partial(whole, offset, whole.length);
        }

        /** The bytes {@code [offset, end)} of {@code whole}, as a 206 to a bounded range would be. */
        public static Response partial(byte[] whole, long offset, long end) {
            return new Response(
                    null,
                    OriginResponse.Status.PARTIAL,
                    offset,
                    whole.length,
                    end - offset,
                    (at, n) -> ByteBuffer.wrap(whole, (int) (offset + at), n)
                            .slice()
                            .asReadOnlyBuffer());
        }

        /** A whole answer that says the origin accepts ranges ({@code Accept-Ranges: bytes}). */
        public Response acceptsRanges() {
            acceptsRanges = true;
            return this;
        }

        /** Counts the body bytes this answer sends into {@code counter} too. */
        Response countInto(Served.Counter counter) {
            this.counter = counter;
            return this;
        }

        /** A failure to open, as an origin would raise it. */
        public static Response fail(Throwable error) {
            return new Response(error, OriginResponse.Status.FULL, 0, 0, 0, null);
        }

        /** An HTTP status refusal (408, 429 and 5xx are transient). */
        public static Response status(int code) {
            return fail(OriginFailure.status(code, "", null));
        }

        /** A status with a {@code Retry-After}. */
        public static Response status(int code, Duration retryAfter) {
            return fail(OriginFailure.status(code, "", retryAfter));
        }

        /** A connection that cannot be made. */
        public static Response refused() {
            return fail(new java.net.ConnectException("Connection refused"));
        }

        /** An origin that accepts the request and never answers. */
        public static Response neverAnswers() {
            Response r = new Response(null, OriginResponse.Status.FULL, 0, 0, 0, null);
            r.neverAnswers = true;
            return r;
        }

        public Response etag(String etag) {
            validators = new Validators(etag, validators.lastModified());
            return this;
        }

        public Response lastModified(String date) {
            validators = new Validators(validators.etag(), date);
            return this;
        }

        /** Declares this total length instead of the true one (-1: none). */
        public Response declaredLength(long length) {
            declaredLength = length;
            return this;
        }

        /** Chunk size of the body. */
        public Response chunks(int size) {
            chunk = size;
            return this;
        }

        /** The connection breaks after {@code n} body bytes. */
        public Response disconnectAfter(long n) {
            return failAfter(n, new IOException("Connection reset by peer"));
        }

        /** The body fails with {@code error} after {@code n} bytes. */
        public Response failAfter(long n, Throwable error) {
            failAfter = n;
            bodyError = error;
            return this;
        }

        /** The body stops after {@code n} bytes and never ends. */
        public Response stallAfter(long n) {
            stallAfter = n;
            return this;
        }

        /** The body starts only when {@code gate} completes or emits. */
        public Response gate(Mono<?> gate) {
            this.gate = gate;
            return this;
        }

        /** The body stops after {@code n} bytes until {@code gate} completes or emits, then goes on. */
        public Response pauseAfter(long n, Mono<?> gate) {
            pauseAfter = n;
            pauseGate = gate;
            return this;
        }

        /** Answers and sends every chunk on {@code scheduler}, as a transport's event loop would. */
        public Response on(Scheduler scheduler) {
            signalOn = scheduler;
            return this;
        }

        /** Each chunk is delayed on {@code scheduler} (a virtual-time one in tests). */
        public Response delayEachChunk(Duration delay, Scheduler scheduler) {
            delayPerChunk = delay;
            delayScheduler = scheduler;
            return this;
        }

        Mono<OriginResponse> respond(FaultyOrigin origin) {
            if (neverAnswers) {
                return Mono.never();
            }
            if (openError != null) {
                return Mono.error(openError);
            }
            long length = declaredLength == Long.MIN_VALUE ? total : declaredLength;
            Flux<ByteBuffer> body = body(origin);
            if (signalOn != null) {
                body = body.subscribeOn(signalOn).publishOn(signalOn, 1);
            }
            Mono<OriginResponse> response = Mono.just(
                    status == OriginResponse.Status.FULL
                            ? OriginResponse.full(length, validators, body).withAcceptsRanges(acceptsRanges)
                            : OriginResponse.partial(offset, length, validators, body));
            return signalOn == null ? response : response.publishOn(signalOn);
        }

        private Flux<ByteBuffer> body(FaultyOrigin origin) {
            long end = bodySize;
            if (failAfter >= 0) {
                end = Math.min(end, failAfter);
            } else if (stallAfter >= 0) {
                end = Math.min(end, stallAfter);
            }
            Flux<ByteBuffer> chunks = pauseAfter >= 0 && pauseAfter < end
                    ? range(origin, 0, pauseAfter).concatWith(pauseGate.thenMany(range(origin, pauseAfter, end)))
                    : range(origin, 0, end);
            if (delayPerChunk != null) {
                chunks = chunks.delayElements(delayPerChunk, delayScheduler);
            }
            if (failAfter >= 0) {
                chunks = chunks.concatWith(Flux.error(bodyError));
            } else if (stallAfter >= 0) {
                AtomicBoolean reached = new AtomicBoolean();
                chunks = chunks.concatWith(Flux.<ByteBuffer>never().doOnRequest(n -> {
                    origin.askedPastStall.set(true);
                    if (reached.compareAndSet(false, true)) {
                        origin.stalled.incrementAndGet();
                    }
                }));
            }
            if (gate != null) {
                chunks = gate.thenMany(chunks);
            }
            return chunks.doOnCancel(origin.bodyCancels::incrementAndGet);
        }

        private Flux<ByteBuffer> range(FaultyOrigin origin, long from, long cut) {
            return Flux.<ByteBuffer, Long>generate(() -> from, (at, sink) -> {
                if (at >= cut) {
                    sink.complete();
                    return at;
                }
                int n = (int) Math.min(chunk, cut - at);
                ByteBuffer next = source.chunk(at, n);
                sink.next(next);
                origin.bytesSent.addAndGet(n); // Counted once the engine has taken the chunk.
                if (counter != null) {
                    counter.add(n);
                }
                return at + n;
            });
        }
    }

    @FunctionalInterface
    private interface ChunkSource {
        ByteBuffer chunk(long at, int n);
    }
}
