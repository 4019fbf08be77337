package io.cachet.testing;

import io.cachet.spi.Origin;
import io.cachet.spi.OriginRequest;
import io.cachet.spi.OriginResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The origin of multi-process tests: serves {@code file:} URIs through {@link Origin#files()} (so
 * offsets and validators behave as there: the ETag is size-mtime, a resume whose {@code If-Range}
 * no longer matches gets the whole file) and adds what the tests need to see and steer:
 *
 * <ul>
 *   <li><b>A shared log.</b> Every open appends one line, {@code open pid=<pid> offset=<n>
 *       end=<n or -1> if-range=<value or ->}, to a file opened with {@code O_APPEND}: one {@code write(2)} per
 *       line, so the lines of several processes never interleave, and the test counts downloads
 *       and reads their offsets across all processes ({@link #opens(Path)}).
 *   <li><b>Throttling.</b> The body is cut into {@code chunk}-byte slices, one per {@code tick},
 *       so a download takes long enough to be waited for, or interrupted mid-body.
 *   <li><b>Pauses.</b> Before the slice at each pause offset the body waits until the process
 *       running this origin calls {@link #release()}: the test can hold a download at an exact
 *       byte, with exactly that many bytes on disk, for as long as it needs.
 * </ul>
 *
 * <p>Slices are emitted on reactor's parallel timer; nothing here blocks but the one log write,
 * which runs on {@code boundedElastic}.
 */
public final class SlowFileOrigin implements Origin {
    private final Origin files = Origin.files();
    private final Path log;
    private final int chunk;
    private final Duration tick;
    private final Map<Long, Sinks.Empty<Void>> pauses = new TreeMap<>();
    private final LongConsumer onPause;

    /**
     * @param log the shared log file
     * @param chunk bytes per slice; a divisor of 64 KiB, so slices start at multiples of it
     * @param tick the delay before each slice (zero: none)
     * @param pauseAt artifact offsets (multiples of {@code chunk}) at which the body waits
     * @param onPause told the offset whenever the body reaches a pause
     */
    public SlowFileOrigin(Path log, int chunk, Duration tick, List<Long> pauseAt, LongConsumer onPause) {
        this.log = log;
        this.chunk = chunk;
        this.tick = tick;
        this.onPause = onPause;
        for (long offset : pauseAt) {
            if (offset % chunk != 0) {
                throw new IllegalArgumentException("pause " + offset + " is not at a slice boundary of " + chunk);
            }
            pauses.put(offset, Sinks.empty());
        }
    }

    /**
     * One open, as logged.
     *
     * @param end the byte after a bounded range, or -1 for everything from {@code offset}
     */
    public record Open(long pid, long offset, long end, String ifRange) {}

    /** Every open logged in {@code log}, by every process, in order. */
    public static List<Open> opens(Path log) throws IOException {
        List<Open> opens = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            return opens;
        }
        for (String line : lines) {
            Map<String, String> fields = new TreeMap<>();
            for (String word : line.split(" ")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    fields.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
            opens.add(new Open(
                    Long.parseLong(fields.get("pid")),
                    Long.parseLong(fields.get("offset")),
                    Long.parseLong(fields.getOrDefault("end", "-1")),
                    fields.get("if-range")));
        }
        return opens;
    }

    /** Lets the body past the next pause it has not been let past yet. */
    public synchronized void release() {
        for (Sinks.Empty<Void> gate : pauses.values()) {
            if (gate.tryEmitEmpty() == Sinks.EmitResult.OK) {
                return;
            }
        }
    }

    @Override
    public boolean supports(URI uri) {
        return files.supports(uri);
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.fromRunnable(() -> append(request))
                .subscribeOn(Schedulers.boundedElastic())
                .then(files.open(request))
                .map(r -> new OriginResponse(
                        r.status(),
                        r.offset(),
                        r.length(),
                        r.validators(),
                        r.acceptsRanges(),
                        paced(r.offset(), r.body())));
    }

    private void append(OriginRequest request) {
        String ifRange = request.validators().ifRange();
        String line = "open pid=" + ProcessHandle.current().pid() + " offset=" + request.offset() + " end="
                + request.end() + " if-range="
                + (ifRange == null ? "-" : ifRange.replace(' ', '_')) + "\n";
        try (FileChannel out =
                FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8))); // One write(2) with O_APPEND.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Flux<ByteBuffer> paced(long from, Flux<ByteBuffer> body) {
        return Flux.defer(() -> {
            long[] at = {from};
            return body.concatMapIterable(this::slices)
                    .concatMap(
                            slice -> {
                                long start = at[0];
                                at[0] += slice.remaining();
                                Mono<ByteBuffer> next = Mono.just(slice);
                                if (!tick.isZero()) {
                                    next = next.delayElement(tick, Schedulers.parallel());
                                }
                                return pauseBefore(start).then(next);
                            },
                            1);
        });
    }

    private Mono<Void> pauseBefore(long offset) {
        Sinks.Empty<Void> gate;
        synchronized (this) {
            gate = pauses.get(offset);
        }
        if (gate == null) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
            onPause.accept(offset);
            return gate.asMono();
        });
    }

    private List<ByteBuffer> slices(ByteBuffer buffer) {
        List<ByteBuffer> out = new ArrayList<>();
        while (buffer.hasRemaining()) {
            int n = Math.min(chunk, buffer.remaining());
            ByteBuffer slice = buffer.slice();
            slice.limit(n);
            out.add(slice);
            buffer.position(buffer.position() + n);
        }
        return out;
    }
}
