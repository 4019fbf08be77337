package io.cachet.testing;

import io.cachet.Key;
import io.cachet.Sha256;
import io.cachet.internal.store.KeyId;
import io.cachet.internal.store.Layout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a cache keeps things, seen from outside the processes using it (by a test watching child
 * JVMs): the {@link Layout} of a root, and a wait for a part file to reach an exact size.
 */
public final class CacheFiles {
    private CacheFiles() {}

    public static Layout layout(Path root) {
        try {
            return new Layout(root.toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path lockFile(Path root, String key) {
        return layout(root).lockFile(KeyId.of(Key.of(key)));
    }

    public static Path blob(Path root, Sha256 sha256) {
        return layout(root).blob(sha256);
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
}
