package io.cachet.internal.commit;

import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.internal.store.Disk;
import io.cachet.internal.store.Layout;
import io.cachet.internal.store.Permissions;
import io.cachet.internal.store.PrivateFiles;
import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Publishes a verified part file as a blob, durably, in the order of RELIABILITY.md §6:
 *
 * <ol>
 *   <li>{@code force(true)}: the bytes reach the device before any name points at them. If it
 *       fails, the part is discarded, never re-synced and published (fsyncgate).
 *   <li>close the channel;
 *   <li>set the blob's mode explicitly (read-only), before the name is visible;
 *   <li>{@code rename(2)} into {@code blobs/sha256/ab/} with {@code ATOMIC_MOVE}; a blob already
 *       there has the same bytes (its name is their digest), so replacing it is harmless;
 *   <li>{@code fsync} the blob directory (batched with concurrent commits by {@link
 *       DirectorySync}).
 * </ol>
 *
 * <p>The caller has already compared size and digest: a part reaches this class only verified.
 */
public final class Commit {
    private final Layout layout;
    private final Disk disk;
    private final Permissions permissions;
    private final DirectorySync directories;
    private final Scheduler io;

    public Commit(Layout layout, Disk disk, Permissions permissions, DirectorySync directories, Scheduler io) {
        this.layout = layout;
        this.disk = disk;
        this.permissions = permissions;
        this.directories = directories;
        this.io = io;
    }

    /** Moves the verified {@code part} into place as the blob {@code sha256}; emits the blob path. */
    public Mono<Path> publish(AsynchronousFileChannel channel, Path part, Sha256 sha256) {
        Path blob = layout.blob(sha256);
        return Mono.fromCallable(() -> moveIntoPlace(channel, part, sha256, blob))
                .subscribeOn(io)
                .flatMap(directory -> directories.sync(directory))
                .thenReturn(blob);
    }

    private Path moveIntoPlace(AsynchronousFileChannel channel, Path part, Sha256 sha256, Path blob) {
        String step = "sync";
        try {
            disk.force(channel);
            step = "close";
            channel.close();
            step = "set permissions on";
            disk.setMode(part, permissions.blob());
            Path directory = layout.blobDirectory(sha256);
            step = "create";
            ensureBlobDirectory(directory);
            step = "move";
            disk.move(part, blob);
            return directory;
        } catch (IOException e) {
            throw StorageException.of(step.equals("create") ? layout.blobDirectory(sha256) : part, step, e);
        }
    }

    /** Creates {@code blobs/sha256/ab/} on first use, and makes its entry in the parent durable. */
    private void ensureBlobDirectory(Path directory) throws IOException {
        if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            PrivateFiles.directory(directory);
            disk.setMode(directory, permissions.directory());
            disk.syncParentOf(directory);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(directory + " exists and is not a directory", raced);
            }
        }
    }
}
