package io.cachet.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Fresh directories for benchmark runs, and their removal.
 *
 * <p>Every run writes into a directory that did not exist before (docs/benchmarking.md, quirk 2: ext4
 * here does not reuse recently freed inodes, so "delete the output and run again" would measure
 * the inode scan instead of the download). The base is {@code -Dcachet.bench.dir}, else the
 * system's temporary directory; both are on the machine's one disk.
 */
public final class Fresh {
    private Fresh() {}

    /** A new, empty directory whose name starts with {@code prefix}. */
    public static Path directory(String prefix) {
        try {
            Path base = Path.of(System.getProperty("cachet.bench.dir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, "cachet-bench-" + prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a benchmark directory", e);
        }
    }

    /** Deletes {@code path} and everything under it (read-only blobs included); null is ignored. */
    public static void delete(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the benchmark directory " + path, e);
        }
    }
}
