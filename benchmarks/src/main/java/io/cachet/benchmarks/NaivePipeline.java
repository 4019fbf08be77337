package io.cachet.benchmarks;

import io.cachet.Sha256;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * The baseline "what a WebFlux user writes first": reactor-netty's {@link HttpClient}, each
 * network chunk (about 8 KiB) hashed on the event loop and written with its own positional {@link
 * AsynchronousFileChannel} write, one write in flight at a time, in order. That is what Spring's
 * {@code DataBufferUtils.write(Publisher, AsynchronousFileChannel)} does, and what issue 6 calls
 * the naive reactor-netty pipeline. For equal durability with Cachet it ends the same way: {@code
 * force(true)}, compare the digest, atomic rename, directory sync.
 *
 * <p>{@code java -cp benchmarks.jar io.cachet.benchmarks.NaivePipeline URL SHA256 OUTPUT} exits 0
 * when OUTPUT holds the verified bytes, 1 if the digest did not match, 2 on any other failure.
 */
public final class NaivePipeline {
    private NaivePipeline() {}

    /** Downloads {@code uri} to {@code target}, durably; returns the digest of what arrived. */
    public static Sha256 fetch(HttpClient client, URI uri, Path target, Sha256 expected) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        MessageDigest digest = Bodies.newDigest();
        try (AsynchronousFileChannel channel =
                AsynchronousFileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long[] position = {0};
            client.get()
                    .uri(uri)
                    .response((response, body) -> response.status().code() == 200
                            ? body.retain()
                            : Flux.error(new IOException(uri + " answered " + response.status())))
                    .concatMap(chunk -> {
                        ByteBuffer bytes = chunk.nioBuffer();
                        digest.update(bytes.duplicate());
                        long at = position[0];
                        position[0] += bytes.remaining();
                        return write(channel, bytes, at).doFinally(signal -> chunk.release());
                    })
                    .then()
                    .block();
            channel.force(true);
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        Sha256 actual = Sha256.of(digest.digest());
        if (!actual.equals(expected)) {
            Files.deleteIfExists(part);
            return actual;
        }
        Durable.commit(part, target, true);
        return actual;
    }

    private static Mono<Void> write(AsynchronousFileChannel channel, ByteBuffer bytes, long at) {
        return Mono.create(sink -> channel.write(bytes, at, at, new CompletionHandler<Integer, Long>() {
            @Override
            public void completed(Integer written, Long from) {
                if (bytes.hasRemaining()) {
                    channel.write(bytes, from + written, from + written, this);
                } else {
                    sink.success();
                }
            }

            @Override
            public void failed(Throwable failure, Long from) {
                sink.error(failure);
            }
        }));
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: NaivePipeline URL SHA256 OUTPUT");
            System.exit(2);
        }
        try {
            Sha256 expected = Sha256.parse(args[1]);
            Sha256 actual = fetch(HttpClient.create(), URI.create(args[0]), Path.of(args[2]), expected);
            if (!actual.equals(expected)) {
                System.err.println("naive: digest mismatch: expected " + expected + ", got " + actual);
                System.exit(1);
            }
            System.out.println(Path.of(args[2]).toAbsolutePath());
            System.exit(0);
        } catch (Exception e) {
            System.err.println("naive: " + e);
            System.exit(2);
        }
    }
}
