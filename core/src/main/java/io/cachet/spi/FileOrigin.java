package io.cachet.spi;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Serves {@code file:} URIs from the local file system, with the same resume semantics as HTTP:
 * the validators are the file's size and modification time, and a resume whose validators no
 * longer match gets the whole file.
 *
 * <p>A file that not every user may read is refused: a blob in the cache is readable by everyone
 * who may read the cache, so caching it would widen who can read it. A file whose size says 0
 * ({@code /proc}, {@code /sys}) is read to its end.
 *
 * <p>Reads are blocking {@link FileChannel} reads on {@link Schedulers#boundedElastic()}, one
 * chunk per request, so the body honours backpressure.
 */
final class FileOrigin implements Origin {
    static final int CHUNK = 64 * 1024;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

    @Override
    public boolean supports(URI uri) {
        return "file".equalsIgnoreCase(uri.getScheme());
    }

    @Override
    public Mono<OriginResponse> open(OriginRequest request) {
        return Mono.fromCallable(() -> respond(request)).subscribeOn(Schedulers.boundedElastic());
    }

    private OriginResponse respond(OriginRequest request) {
        Path path;
        try {
            path = Path.of(request.uri());
        } catch (IllegalArgumentException e) {
            throw OriginFailure.permanentFailure("not a usable file URI: " + e.getMessage());
        }
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new OriginFailure("no such file", 404, false, null, e);
        } catch (AccessDeniedException e) {
            throw new OriginFailure("permission denied", 403, false, null, e);
        } catch (IOException e) {
            throw new OriginFailure("cannot read file: " + e.getMessage(), 0, false, null, e);
        }
        if (!attributes.isRegularFile()) {
            throw new OriginFailure("not a regular file", 404, false, null, null);
        }
        if (!attributes.permissions().contains(PosixFilePermission.OTHERS_READ)) {
            throw new OriginFailure(
                    "the file is not readable by every user (" + PosixFilePermissions.toString(attributes.permissions())
                            + "), and blobs in the cache are: allow others to read it (chmod o+r) if it may be"
                            + " shared, or do not cache it",
                    403,
                    false,
                    null,
                    null);
        }
        if (attributes.size() == 0) {
            // Files under /proc and /sys say 0 and then have content: read those to the end, unannounced.
            return OriginResponse.full(-1, Validators.NONE, read(path, 0, Long.MAX_VALUE));
        }
        long size = attributes.size();
        Validators validators = new Validators(
                "\"" + Long.toHexString(size) + "-"
                        + Long.toHexString(attributes.lastModifiedTime().toMillis()) + "\"",
                HTTP_DATE.format(attributes.lastModifiedTime().toInstant()));
        long offset = request.offset();
        boolean ranged = offset > 0 || request.isBounded();
        boolean sameVersion = request.validators().isEmpty()
                || Objects.equals(request.validators().ifRange(), validators.ifRange());
        if (ranged && sameVersion && offset <= size) {
            long end = request.isBounded() ? Math.min(request.end(), size) : size;
            return OriginResponse.partial(offset, size, validators, read(path, offset, end));
        }
        return OriginResponse.full(size, validators, read(path, 0, size)).withAcceptsRanges(true);
    }

    private static Flux<ByteBuffer> read(Path path, long from, long size) {
        // size: where reading stops (the artifact's end, or a range's).
        return Flux.using(
                        () -> FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS),
                        channel -> Flux.<ByteBuffer, Long>generate(() -> from, (position, sink) -> {
                            if (position >= size) {
                                sink.complete();
                                return position;
                            }
                            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK, size - position));
                            try {
                                while (chunk.hasRemaining()) {
                                    if (channel.read(chunk, position + chunk.position()) < 0) {
                                        if (size == Long.MAX_VALUE) {
                                            break; // Read to the end, whatever its size said.
                                        }
                                        sink.error(new IOException("file shrank while being read: " + path));
                                        return position;
                                    }
                                }
                                if (chunk.position() == 0) {
                                    sink.complete();
                                    return position;
                                }
                            } catch (IOException e) {
                                sink.error(e);
                                return position;
                            }
                            int length = chunk.flip().remaining();
                            sink.next(chunk);
                            return position + length;
                        }),
                        channel -> {
                            try {
                                channel.close();
                            } catch (IOException ignored) {
                                // Nothing was written through this channel; a failed close loses nothing.
                            }
                        })
                .subscribeOn(Schedulers.boundedElastic());
    }
}
