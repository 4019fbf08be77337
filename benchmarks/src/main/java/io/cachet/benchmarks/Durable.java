package io.cachet.benchmarks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The durable commit every baseline does, so that it is compared with Cachet on equal terms:
 * the file's bytes synced, an atomic rename to the final name, and the directory synced, which is
 * what Cachet's commit does (docs/reliability.md, "The durable commit") and what {@code sync f && mv} does in the shell.
 */
final class Durable {
    private Durable() {}

    /** Syncs {@code part} (unless already synced), renames it to {@code target}, syncs the directory. */
    static void commit(Path part, Path target, boolean synced) throws IOException {
        if (!synced) {
            try (FileChannel file = FileChannel.open(part, StandardOpenOption.WRITE)) {
                file.force(true);
            }
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(target.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
