package io.cachet.testing;

import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.internal.store.Store.KeyId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a cache keeps things, seen from outside the processes using it (by a test watching child
 * JVMs): the documented layout of a root, written out here independently of the engine's code, and
 * a wait for a part file to reach an exact size.
 */
public final class CacheFiles {
    private CacheFiles() {}

    private static Path real(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file-system name of a key: the SHA-256 of its text. */
    public static String keyId(String key) {
        return KeyId.of(Key.of(key)).hex();
    }

    public static Path lockFile(Path root, String key) {
        return real(root).resolve("locks").resolve(keyId(key) + ".lock");
    }

    public static Path ref(Path root, String key) {
        return real(root).resolve("refs").resolve(keyId(key));
    }

    public static Path blob(Path root, Sha256 sha256) {
        return real(root)
                .resolve("blobs/sha256")
                .resolve(sha256.hex().substring(0, 2))
                .resolve(sha256.hex());
    }

    /** The part files in {@code tmp/}. */
    public static List<Path> parts(Path root) {
        Path tmp = root.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How far the download in progress got: the size of the biggest part file, 0 if there is none. */
    public static long largestPart(Path root) {
        long largest = 0;
        try {
            for (Path part : parts(root)) {
                largest = Math.max(largest, part.toFile().length()); // 0 if it vanished meanwhile.
            }
        } catch (UncheckedIOException listedWhileItChanged) {
            return 0; // Asked again.
        }
        return largest;
    }

    /**
     * Waits until a part file holds exactly {@code bytes}: a holder paused by its origin has then
     * written everything it will write until released.
     */
    public static Path awaitPart(Path root, long bytes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Path part : parts(root)) {
                try {
                    if (Files.size(part) == bytes) {
                        return part;
                    }
                } catch (IOException vanished) {
                    // Moved or deleted while we looked.
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no part file of " + bytes + " bytes in " + root + " within " + timeout + ": " + parts(root));
            }
            Jvm.pause();
        }
    }

    /**
     * The byte ranges the sidecars in {@code tmp/} record ({@code ranges=a-b c-d}), as {@code
     * {start, end}} pairs; none if there is no sidecar or it records none. Another process may
     * rewrite a sidecar meanwhile (by rename): one that vanished is skipped.
     */
    public static List<long[]> recordedRanges(Path root) {
        return sidecarField(root, "ranges=").stream()
                .flatMap(value -> java.util.Arrays.stream(value.split(" ")))
                .map(field -> {
                    String[] ends = field.split("-");
                    return new long[] {Long.parseLong(ends[0]), Long.parseLong(ends[1])};
                })
                .toList();
    }

    /** The values of a field ({@code name=}) in the sidecars in {@code tmp/}. */
    public static List<String> sidecarField(Path root, String name) {
        Path tmp = root.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        List<Path> sidecars;
        try (Stream<Path> files = Files.list(tmp)) {
            sidecars = files.filter(p -> p.getFileName().toString().endsWith(".meta"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> values = new java.util.ArrayList<>();
        for (Path sidecar : sidecars) {
            try {
                for (String line : Files.readAllLines(sidecar, java.nio.charset.StandardCharsets.UTF_8)) {
                    if (line.startsWith(name)) {
                        values.add(line.substring(name.length()));
                    }
                }
            } catch (java.nio.file.NoSuchFileException replaced) {
                // Rewritten by rename meanwhile.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return values;
    }
}
