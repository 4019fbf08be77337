package io.cachet.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Releases child JVMs together, as maven-resolver's {@code TestNioLock} does: the test holds an
 * exclusive OS lock on a gate file; each child, once ready, blocks on a shared lock of the same
 * file (blocking is fine on a child's main thread) and goes when the test lets go.
 *
 * <pre>{@code
 * try (StartGate gate = StartGate.hold(dir.resolve("gate"))) {
 *   ... start the children, await their READY lines ...
 *   gate.open();
 * }
 * }</pre>
 */
public final class StartGate implements AutoCloseable {
    private final FileChannel channel;
    private FileLock lock;

    private StartGate(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates the gate file and holds it shut. */
    public static StartGate hold(Path file) throws IOException {
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new StartGate(channel, channel.lock());
    }

    /** Lets every child through, at once. */
    public void open() throws IOException {
        if (lock != null) {
            lock.release();
            lock = null;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            open();
        } finally {
            channel.close();
        }
    }

    /** In a child: blocks until the test opens the gate at {@code file}. */
    public static void await(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                FileLock passed = channel.lock(0, Long.MAX_VALUE, true)) {
            // Through: the shared lock was granted, so the test no longer holds the gate shut.
        }
    }
}
