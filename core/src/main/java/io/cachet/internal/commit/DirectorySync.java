package io.cachet.internal.commit;

import io.cachet.StorageException;
import io.cachet.internal.fs.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Group commit for directory syncs: many renames into one directory are made durable by one
 * {@code fsync} of the directory instead of one each.
 *
 * <p>A request is answered by the first sync that <em>starts</em> after it arrived (a sync already
 * running may have read the directory before the caller's rename). While one sync runs, every new
 * request joins the next batch, which starts as soon as the running one ends.
 *
 * <p>Concurrency: each directory's batch state is guarded by its {@code Batch} monitor; syncs run
 * on the I/O scheduler and no sink is signalled under the monitor.
 */
final class DirectorySync {
    private final Disk disk;
    private final Scheduler io;
    private final ConcurrentMap<Path, Batch> batches = new ConcurrentHashMap<>();

    DirectorySync(Disk disk, Scheduler io) {
        this.disk = disk;
        this.io = io;
    }

    /** Completes once {@code directory}'s entries, as of this call, are durable. */
    Mono<Void> sync(Path directory) {
        return Mono.create(
                sink -> batches.computeIfAbsent(directory, Batch::new).join(sink));
    }

    private final class Batch {
        private final Path directory;
        // Guarded by this.
        private boolean running;
        // Guarded by this.
        private List<MonoSink<Void>> next = new ArrayList<>();

        Batch(Path directory) {
            this.directory = directory;
        }

        void join(MonoSink<Void> sink) {
            boolean start;
            synchronized (this) {
                next.add(sink);
                start = !running;
                running = true;
            }
            if (start) {
                io.schedule(this::run);
            }
        }

        private void run() {
            List<MonoSink<Void>> batch;
            synchronized (this) {
                batch = next;
                next = new ArrayList<>();
            }
            StorageException failure = null;
            try {
                disk.syncDirectory(directory);
            } catch (IOException e) {
                failure = StorageException.of(directory, "sync the directory", e);
            }
            for (MonoSink<Void> sink : batch) {
                if (failure == null) {
                    sink.success();
                } else {
                    sink.error(failure);
                }
            }
            boolean again;
            synchronized (this) {
                again = !next.isEmpty();
                running = again;
            }
            if (again) {
                io.schedule(this::run);
            }
        }
    }
}
