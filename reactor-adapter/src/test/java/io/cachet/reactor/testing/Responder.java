package io.cachet.reactor.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Writes one {@link Response} with its faults on a reactor-netty {@link HttpServerResponse}.
 *
 * <p>Body bytes are copied into buffers of the connection's allocator, which Netty releases once
 * written (or when the connection goes away), so the server leaks nothing under the paranoid
 * detector. Closing is {@code channel.close()} (FIN); a reset sets {@code SO_LINGER} to 0 first, so
 * the kernel sends RST. A stalled or unanswered response keeps its connection until the client
 * leaves or the server stops.
 */
final class Responder {
    private Responder() {}

    /**
     * Writes {@code r}, counting body bytes into {@code sent}. A paced answer (trickle, throttle)
     * ticks on {@code pacing}, and calls {@code paced} once its clock is running, so that a test on
     * virtual time knows when moving the clock will move the answer.
     */
    static Mono<Void> respond(HttpServerResponse res, Response r, AtomicLong sent, Scheduler pacing, Runnable paced) {
        switch (r.start) {
            case CLOSE -> {
                return Mono.<Void>fromRunnable(
                                () -> res.withConnection(c -> c.channel().close()))
                        .then(Mono.never());
            }
            case NEVER -> {
                return Mono.never();
            }
            default -> {
                // Answer below.
            }
        }
        res.status(HttpResponseStatus.valueOf(r.status));
        for (Map.Entry<String, String> h : r.headers) {
            res.addHeader(h.getKey(), h.getValue());
        }
        byte[] bytes = r.bytes();
        if (!r.contentLength || r.infinite) {
            res.header(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
            res.header(
                    HttpHeaderNames.CONTENT_LENGTH,
                    Long.toString(r.declaredLength != null ? r.declaredLength : bytes.length));
        }
        long limit = r.end == Response.End.COMPLETE ? bytes.length : Math.min(r.cutAfter, bytes.length);
        int size = Math.max(1, r.chunk);
        long count = r.infinite ? Long.MAX_VALUE : (limit + size - 1) / size;
        // Slice numbers first, buffers only when a slice is sent: nothing is allocated ahead of demand.
        Flux<Long> numbers = Flux.<Long, Long>generate(() -> 0L, (n, sink) -> {
                    sink.next(n);
                    return n + 1;
                })
                .take(count);
        if (r.every != null) {
            Flux<Long> ticks = Flux.interval(r.every, pacing);
            // Announced once the ticks are scheduled (interval schedules them after onSubscribe).
            Flux<Long> announced = Flux.from(subscriber -> {
                ticks.subscribe(subscriber);
                paced.run();
            });
            numbers = announced.onBackpressureDrop().take(count).index().map(t -> t.getT1());
        }
        // Nothing more is made once the client is gone (an endless body would keep the loop busy).
        Flux<ByteBuf> body = numbers.takeWhile(n -> isActive(res))
                .map(n -> r.infinite ? pattern(res, bytes, n, size) : slice(res, bytes, n, size, (int) limit))
                .doOnNext(b -> sent.addAndGet(b.readableBytes()));
        if (limit == 0 && r.end != Response.End.COMPLETE && !r.infinite) {
            return res.sendHeaders().then().then(end(res, r.end));
        }
        // Every slice is flushed as it is made: a stall or a trickle must really put its bytes on
        // the wire, not leave them in Netty's outbound buffer.
        return switch (r.end) {
            case COMPLETE -> res.send(body, b -> true).then();
            case STALL -> res.send(body.concatWith(Flux.never()), b -> true).then();
            case CLOSE, RESET -> res.send(body, b -> true).then().then(end(res, r.end));
        };
    }

    private static Mono<Void> end(HttpServerResponse res, Response.End end) {
        return switch (end) {
            case CLOSE ->
                Mono.<Void>fromRunnable(
                                () -> res.withConnection(c -> c.channel().close()))
                        .then(Mono.never());
            case RESET ->
                Mono.<Void>fromRunnable(() -> res.withConnection(c -> {
                            c.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                            c.channel().close();
                        }))
                        .then(Mono.never());
            case STALL -> Mono.never();
            case COMPLETE -> Mono.empty();
        };
    }

    private static boolean isActive(HttpServerResponse res) {
        boolean[] active = {false};
        res.withConnection(c -> active[0] = c.channel().isActive());
        return active[0];
    }

    /** Slice {@code n} of the first {@code limit} bytes, in a fresh buffer. */
    private static ByteBuf slice(HttpServerResponse res, byte[] bytes, long n, int size, int limit) {
        int from = (int) (n * size);
        int length = Math.min(size, limit - from);
        return res.alloc().buffer(length).writeBytes(bytes, from, length);
    }

    /** Slice {@code n} of {@code bytes} (or a pattern) repeated forever. */
    private static ByteBuf pattern(HttpServerResponse res, byte[] bytes, long n, int size) {
        byte[] p = bytes.length > 0 ? bytes : new byte[] {'c', 'a', 'c', 'h', 'e', 't'};
        byte[] slice = new byte[size];
        for (int i = 0; i < size; i++) {
            slice[i] = p[(int) ((n * size + i) % p.length)];
        }
        // One write: under the paranoid leak detector every buffer access records a stack trace.
        return res.alloc().buffer(size).writeBytes(slice);
    }
}
