package io.cachet.testing;

import io.cachet.internal.fs.Disk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The engine's {@link Disk} seam with faults, in the manner of OkHttp's {@code FaultyFileSystem}:
 * records every operation with its path and thread; fails a chosen operation; shortens or fails
 * writes; completes writes on the calling thread (so virtual time sees every step); halts the JVM
 * at a named step (a crash point for child-process tests); or makes every lock attempt succeed (a
 * file system whose locks lie).
 */
public final class FaultyDisk implements Disk {

    /** The operations of the seam. */
    public enum Op {
        CREATE_PART,
        OPEN_PART,
        WRITE,
        FORCE,
        SET_MODE,
        CREATE_FILE,
        CREATE_DIRECTORY,
        LINK,
        MOVE,
        SYNC_DIRECTORY,
        OPEN_LOCK,
        TRY_LOCK,
        UNLOCK
    }

    /** One recorded operation. */
    public record Call(Op op, Path path, String thread) {}

    private final Disk real = Disk.REAL;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<Op, Fault> faults = new ConcurrentHashMap<>();
    private volatile boolean inlineWrites;
    private volatile int maxBytesPerWrite = Integer.MAX_VALUE;
    private volatile long failWritesAfter = -1;
    private volatile boolean locksLie;
    private final java.util.concurrent.atomic.AtomicInteger busyAttempts =
            new java.util.concurrent.atomic.AtomicInteger();
    private volatile @Nullable Op haltBefore;
    private volatile @Nullable Op haltAfter;
    private volatile Predicate<Path> haltOn = p -> true;

    private record Fault(Predicate<Path> where, IOException error) {}

    /** Something a test does to a path, such as a third party replacing a file. */
    @FunctionalInterface
    public interface PathAction {
        void run(Path path) throws IOException;
    }

    private record After(Op op, Predicate<Path> where, PathAction action) {}

    private final List<After> afters = new CopyOnWriteArrayList<>();
    private final List<After> befores = new CopyOnWriteArrayList<>();

    /** Fails {@code op} on paths matching {@code where} with {@code error}, every time. */
    public FaultyDisk fail(Op op, Predicate<Path> where, IOException error) {
        faults.put(op, new Fault(where, error));
        return this;
    }

    /** Stops failing {@code op}. */
    public FaultyDisk heal(Op op) {
        faults.remove(op);
        return this;
    }

    /** Part writes complete synchronously on the thread that issues them. */
    public FaultyDisk inlineWrites() {
        inlineWrites = true;
        return this;
    }

    /** Each part write stores at most {@code n} bytes (a short write). */
    public FaultyDisk shortWrites(int n) {
        maxBytesPerWrite = n;
        return this;
    }

    /** Part writes fail with ENOSPC once {@code n} bytes were written to a part. */
    public FaultyDisk failWritesAfter(long n) {
        failWritesAfter = n;
        return this;
    }

    /** Every lock attempt succeeds, as on file systems where locks are silently no-ops. */
    public FaultyDisk locksLie() {
        locksLie = true;
        return this;
    }

    /** The next {@code n} lock attempts find the lock busy, as if another process held it. */
    public FaultyDisk busyLocks(int n) {
        busyAttempts.set(n);
        return this;
    }

    /**
     * Runs {@code action} once, the first time {@code op} succeeds on a path matching {@code where}:
     * a third party acting at an exact step, such as replacing a lock file just after it was opened.
     */
    public FaultyDisk after(Op op, Predicate<Path> where, PathAction action) {
        afters.add(new After(op, where, action));
        return this;
    }

    /**
     * Runs {@code action} once, the first time {@code op} is about to run on a path matching {@code
     * where}: to look at the file system just before a step, such as a part's mode before its rename.
     */
    public FaultyDisk before(Op op, Predicate<Path> where, PathAction action) {
        befores.add(new After(op, where, action));
        return this;
    }

    /** Halts the JVM (exit 137, no shutdown hooks: a kill -9) just before {@code op}. */
    public FaultyDisk haltBefore(Op op, Predicate<Path> where) {
        haltOn = where;
        haltBefore = op;
        return this;
    }

    /** Halts the JVM just after {@code op} succeeded. */
    public FaultyDisk haltAfter(Op op, Predicate<Path> where) {
        haltOn = where;
        haltAfter = op;
        return this;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Op> ops() {
        return calls.stream().map(Call::op).toList();
    }

    private void enter(Op op, Path path) throws IOException {
        calls.add(new Call(op, path, Thread.currentThread().getName()));
        if (op == haltBefore && haltOn.test(path)) {
            Runtime.getRuntime().halt(137);
        }
        for (After before : befores) {
            if (before.op() == op && before.where().test(path) && befores.remove(before)) {
                before.action().run(path);
            }
        }
        Fault fault = faults.get(op);
        if (fault != null && fault.where().test(path)) {
            throw fault.error();
        }
    }

    private void leave(Op op, Path path) throws IOException {
        if (op == haltAfter && haltOn.test(path)) {
            Runtime.getRuntime().halt(137);
        }
        for (After after : afters) {
            if (after.op() == op && after.where().test(path) && afters.remove(after)) {
                after.action().run(path);
            }
        }
    }

    @Override
    public AsynchronousFileChannel createPart(Path path, int mode, ExecutorService executor) throws IOException {
        enter(Op.CREATE_PART, path);
        AsynchronousFileChannel channel = new PartChannel(real.createPart(path, mode, executor), path);
        leave(Op.CREATE_PART, path);
        return channel;
    }

    @Override
    public AsynchronousFileChannel openPart(Path path, ExecutorService executor) throws IOException {
        enter(Op.OPEN_PART, path);
        AsynchronousFileChannel channel = new PartChannel(real.openPart(path, executor), path);
        leave(Op.OPEN_PART, path);
        return channel;
    }

    @Override
    public void force(AsynchronousFileChannel channel) throws IOException {
        Path path = channel instanceof PartChannel p ? p.path : Path.of("?");
        enter(Op.FORCE, path);
        real.force(channel instanceof PartChannel p ? p.delegate() : channel);
        leave(Op.FORCE, path);
    }

    @Override
    public void setMode(Path path, int mode) throws IOException {
        enter(Op.SET_MODE, path);
        real.setMode(path, mode);
        leave(Op.SET_MODE, path);
    }

    @Override
    public void createFile(Path file, byte[] bytes, int mode) throws IOException {
        enter(Op.CREATE_FILE, file);
        real.createFile(file, bytes, mode);
        leave(Op.CREATE_FILE, file);
    }

    @Override
    public void createDirectory(Path dir, int mode) throws IOException {
        enter(Op.CREATE_DIRECTORY, dir);
        real.createDirectory(dir, mode);
        leave(Op.CREATE_DIRECTORY, dir);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
        enter(Op.MOVE, target);
        real.move(source, target);
        leave(Op.MOVE, target);
    }

    @Override
    public void link(Path link, Path existing) throws IOException {
        enter(Op.LINK, link);
        real.link(link, existing);
        leave(Op.LINK, link);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        enter(Op.SYNC_DIRECTORY, directory);
        real.syncDirectory(directory);
        leave(Op.SYNC_DIRECTORY, directory);
    }

    @Override
    public AsynchronousFileChannel openLock(Path path, int mode, ExecutorService executor, boolean shared)
            throws IOException {
        enter(Op.OPEN_LOCK, path);
        AsynchronousFileChannel channel = real.openLock(path, mode, executor, shared);
        leave(Op.OPEN_LOCK, path);
        return channel;
    }

    @Override
    public @Nullable FileLock tryLock(AsynchronousFileChannel channel, boolean shared) throws IOException {
        enter(Op.TRY_LOCK, Path.of("lock"));
        if (busyAttempts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return null;
        }
        if (locksLie) {
            return new FileLock(channel, 0, Long.MAX_VALUE, shared) {
                private volatile boolean valid = true;

                @Override
                public boolean isValid() {
                    return valid;
                }

                @Override
                public void release() {
                    valid = false;
                }
            };
        }
        return real.tryLock(channel, shared);
    }

    @Override
    public void unlock(FileLock lock) throws IOException {
        enter(Op.UNLOCK, Path.of("lock"));
        real.unlock(lock);
    }

    /** A part channel whose writes obey the configured faults. */
    private final class PartChannel extends DelegatingChannel {
        final Path path;
        private final AtomicLong written = new AtomicLong();

        PartChannel(AsynchronousFileChannel delegate, Path path) {
            super(delegate);
            this.path = path;
        }

        AsynchronousFileChannel delegate() {
            return delegate;
        }

        @Override
        public <A> void write(
                ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
            try {
                enter(Op.WRITE, path);
            } catch (IOException e) {
                handler.failed(e, attachment);
                return;
            }
            long limit = failWritesAfter;
            if (limit >= 0 && written.get() + src.remaining() > limit) {
                handler.failed(new IOException("No space left on device"), attachment);
                return;
            }
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + Math.min(part.remaining(), maxBytesPerWrite));
            CompletionHandler<Integer, A> done = new CompletionHandler<>() {
                @Override
                public void completed(Integer n, A a) {
                    src.position(src.position() + n);
                    written.addAndGet(n);
                    handler.completed(n, a);
                }

                @Override
                public void failed(Throwable t, A a) {
                    handler.failed(t, a);
                }
            };
            if (inlineWrites) {
                int n;
                try {
                    n = delegate.write(part, position).get();
                } catch (Exception e) {
                    done.failed(e.getCause() == null ? e : e.getCause(), attachment);
                    return;
                }
                done.completed(n, attachment);
            } else {
                delegate.write(part, position, attachment, done);
            }
        }
    }
}
