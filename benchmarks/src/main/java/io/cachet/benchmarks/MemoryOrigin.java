package io.cachet.benchmarks;

import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import io.cachet.spi.Validators;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * An {@code http} origin that serves every URI from memory, as reactor-netty would serve it from
 * the network, without the network:
 *
 * <ul>
 *   <li>the body is {@link Bodies}' pattern, {@code size} bytes, in chunks of {@value #CHUNK}
 *       bytes (reactor-netty's usual read size), each a new {@code ByteBuffer} view of direct
 *       memory, as {@code ByteBuf.nioBuffer()} is;
 *   <li>chunks are emitted on one thread of the origin's own, like an event loop, and only as
 *       many as requested (backpressure);
 *   <li>a body can be held back until {@link #release} so that callers can join a download in
 *       flight; every {@link #open} is counted per URI.
 * </ul>
 */
public final class MemoryOrigin implements Origin, AutoCloseable {
    public static final int CHUNK = 8 * 1024;

    private final long size;
    private final Scheduler loop = Schedulers.newSingle("memory-origin", true);
    private final Map<URI, AtomicInteger> opens = new ConcurrentHashMap<>();
    private volatile Sinks.Empty<Void> gate = open();

    public MemoryOrigin(long size) {
        this.size = size;
    }

    private static Sinks.Empty<Void> open() {
        Sinks.Empty<Void> released = Sinks.empty();
        released.tryEmitEmpty();
        return released;
    }

    /** Bodies of downloads opened from now on wait until {@link #release}. */
    public void hold() {
        gate = Sinks.empty();
    }

    /** Lets every held body flow, and those opened later. */
    public void release() {
        gate.tryEmitEmpty();
    }

    /** How many times {@code uri} was opened. */
    public int opens(URI uri) {
        AtomicInteger n = opens.get(uri);
        return n == null ? 0 : n.get();
    }

    /** Every URI opened, with how many times. */
    public Map<URI, AtomicInteger> opens() {
        return opens;
    }

    @Override
    public boolean supports(URI uri) {
        return "http".equals(uri.getScheme());
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.fromSupplier(() -> {
            opens.computeIfAbsent(request.uri(), u -> new AtomicInteger()).incrementAndGet();
            long from = request.offset() > 0 && request.offset() <= size ? request.offset() : 0;
            Validators validators = new Validators("\"bench-" + size + "\"", null);
            Flux<ByteBuffer> body = gate.asMono().thenMany(body(from));
            return from > 0
                    ? OriginResponse.partial(from, size, validators, body)
                    : OriginResponse.full(size, validators, body);
        });
    }

    private Flux<ByteBuffer> body(long from) {
        return Flux.<ByteBuffer, Long>generate(() -> from, (position, sink) -> {
                    if (position >= size) {
                        sink.complete();
                        return position;
                    }
                    int n = (int) Math.min(
                            Math.min(CHUNK, size - position), Bodies.PATTERN_SIZE - position % Bodies.PATTERN_SIZE);
                    sink.next(Bodies.slice(position, n));
                    return position + n;
                })
                .subscribeOn(loop, true);
    }

    @Override
    public void close() {
        loop.dispose();
    }
}
