package io.cachet.internal.lock;

import io.cachet.StorageException;
import io.cachet.internal.fs.Disk;
import io.cachet.internal.retry.Backoff;
import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Exclusive or shared access to a key, across the threads of this JVM and across processes.
 * See docs/architecture.md, "Across processes".
 *
 * <p>The protocol (docs/architecture.md, "Across processes"):
 *
 * <ol>
 *   <li>Take the key's in-JVM mutex from the JVM-wide {@link LockTable} (queued, no polling).
 *   <li>Open {@code locks/<id>.lock} (creating it, never following a symlink) through an {@link
 *       AsynchronousFileChannel}, and {@code tryLock} it. {@code null} means another process holds
 *       it: wait on the timer with exponential backoff and jitter, then try again. No thread ever
 *       blocks, and the waiter never deletes, truncates or otherwise touches the lock file.
 *   <li>After acquiring, check that the path still names the inode it named before opening; if a
 *       third party replaced the file meanwhile, let go and try again (docs/reliability.md P8). On
 *       release, warn if it was replaced or deleted while held: the lock then excluded no one.
 *   <li>Release in reverse: OS lock, channel, then the in-JVM mutex, so the next holder in this
 *       JVM opens its own channel only after ours is closed (I4).
 * </ol>
 *
 * <p>Shared access ({@link #acquireShared}) takes the OS lock in shared mode: any number of shared
 * holders, in any process, exclude every exclusive holder and are excluded by one. In this JVM the
 * shared holders of a name share one channel and one OS lock ({@link SharedHold}): the first takes
 * the name's in-JVM mutex for all of them and the last gives it back, so an exclusive caller here
 * waits for them, or is refused at once when it asks only if free. A shared caller joins an active
 * hold at once, even while an exclusive caller waits: exclusive callers of a name that is also held
 * shared (a blob's lock: gc, rm, verify) only ever ask if free.
 *
 * <p>Only this class opens lock files, and only one channel per file per JVM exists at a time.
 * Lock files are deleted only by gc, while holding them, once their key is gone from the cache
 * ({@link Lease#releaseAndDelete}). A deadline, if set, fails the wait with {@link TimedOut}; the
 * holder is left alone. {@link #close()} releases whatever a caller could not.
 */
public final class LockManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LockManager.class);
    private static final int MAX_REOPENS = 3;
    // File types in st_mode.
    private static final int TYPE = 0170000;
    private static final int REGULAR = 0100000;
    private static final int DIRECTORY = 0040000;
    private static final int SYMLINK = 0120000;

    private final LockTable table;
    private final Path locks;
    private final Disk disk;
    private final int lockMode;
    private final ExecutorService files;
    private final Scheduler io;
    private final Scheduler timer;
    private final Backoff polling;
    private final DoubleSupplier random;
    private final Set<Lease> held = ConcurrentHashMap.newKeySet();

    /**
     * @param canonicalLocks the canonical {@code locks/} directory
     * @param files the executor the lock channels complete on
     * @param io where the blocking open and {@code tryLock} calls run
     * @param timer where the backoff delays run
     * @param polling the delays between attempts while another process holds the lock
     */
    public LockManager(
            Path canonicalLocks,
            Disk disk,
            int lockMode,
            ExecutorService files,
            Scheduler io,
            Scheduler timer,
            Backoff polling,
            DoubleSupplier random) {
        this.table = LockTable.forDirectory(canonicalLocks);
        this.locks = canonicalLocks;
        this.disk = disk;
        this.lockMode = lockMode;
        this.files = files;
        this.io = io;
        this.timer = timer;
        this.polling = polling;
        this.random = random;
    }

    /** Notified while a caller waits, so it can tell its own callers what is going on. */
    public interface Waiting {
        /**
         * The lock is busy.
         *
         * @param otherProcess false while queued behind a holder in this JVM, true while another
         *     process holds the OS lock (called after every failed attempt, on the I/O scheduler)
         * @param waited how long this caller has waited so far
         */
        void busy(boolean otherProcess, Duration waited);
    }

    /**
     * Exclusive access to {@code name} (a key's id, or any other name of {@code locks/}); completes
     * when it is this caller's.
     *
     * @param timeout how long to wait at most, or null to wait as long as the holder lives
     * @return a lease to release when done; fails with {@link TimedOut} at the deadline, or with a
     *     {@link StorageException} if the lock file cannot be opened
     */
    public Mono<Lease> acquire(String name, @Nullable Duration timeout, Waiting waiting) {
        return hold(name, false, timeout, waiting).map(this::register);
    }

    /**
     * Shared access to {@code name}, as long as any exclusive holder lives; completes when it is this
     * caller's. Shared holders in this JVM share one OS lock, released when the last one releases.
     *
     * @return a lease to release when done; fails with a {@link StorageException} if the lock file
     *     cannot be opened
     */
    public Mono<Lease> acquireShared(String name) {
        return Mono.defer(() -> {
            boolean[] created = new boolean[1];
            SharedHold hold = table.joinShared(name, created);
            if (created[0]) {
                hold.start(hold(name, true, null, (other, waited) -> {}));
            }
            // 0: waiting, 1: leased, 2: left before the lease was made. A cancel racing the grant
            // either leaves the hold, or releases the lease made for it: never both, never neither.
            AtomicInteger state = new AtomicInteger();
            AtomicReference<Lease> made = new AtomicReference<>();
            return hold.ready()
                    .map(inner -> {
                        Lease member = register(new Lease(inner.os, hold));
                        made.set(member);
                        if (!state.compareAndSet(0, 1)) {
                            member.forget(); // Cancelled first: the cancel has left the hold already.
                        }
                        return member;
                    })
                    .doOnError(e -> {
                        if (state.compareAndSet(0, 2)) {
                            hold.leave();
                        }
                    })
                    .doOnCancel(() -> {
                        if (state.compareAndSet(0, 2)) {
                            hold.leave();
                        } else {
                            Lease member = made.get();
                            if (member != null) {
                                member.releaseNow();
                            }
                        }
                    });
        });
    }

    /** The in-JVM mutex, then the OS lock in the mode asked; not registered. */
    private Mono<Lease> hold(String name, boolean shared, @Nullable Duration timeout, Waiting waiting) {
        return Mono.defer(() -> {
            long start = timer.now(TimeUnit.NANOSECONDS);
            String key = name;
            LocalMutex mutex = table.checkOut(key);
            AtomicBoolean checkedIn = new AtomicBoolean();
            Runnable checkIn = () -> {
                if (checkedIn.compareAndSet(false, true)) {
                    table.checkIn(key);
                }
            };
            Mono<LocalMutex.Permit> local = mutex.acquire(() -> waiting.busy(false, Duration.ZERO));
            if (timeout != null && timeout.isZero() && mutex.isHeld()) {
                local = Mono.error(new TimedOut(Duration.ZERO)); // "Only if free": for maintenance.
            } else if (timeout != null && !timeout.isZero()) {
                local = local.timeout(timeout, timer)
                        .onErrorMap(TimeoutException.class, e -> new TimedOut(elapsed(start)));
            }
            return local.flatMap(permit -> {
                        if (!permit.claim()) {
                            return Mono.error(
                                    new IllegalStateException("lock permit for " + key + " was released early"));
                        }
                        return osLock(name, shared, start, timeout, waiting)
                                .map(os -> new Lease(os, permit, permit.waited() || os.waited, checkIn))
                                .doOnError(e -> {
                                    permit.release();
                                    checkIn.run();
                                })
                                .doOnCancel(() -> {
                                    permit.release();
                                    checkIn.run();
                                });
                    })
                    .doOnError(e -> checkIn.run())
                    .doOnCancel(checkIn);
        });
    }

    private Mono<OsLock> osLock(String name, boolean shared, long start, @Nullable Duration timeout, Waiting waiting) {
        Path path = locks.resolve(name + ".lock");
        AtomicBoolean waited = new AtomicBoolean();
        return Mono.fromCallable(() -> tryOnce(path, shared))
                .subscribeOn(io)
                .repeatWhenEmpty(
                        Integer.MAX_VALUE,
                        attempts -> attempts.concatMap(attempt -> {
                            waited.set(true);
                            Duration soFar = elapsed(start);
                            if (timeout != null && soFar.compareTo(timeout) >= 0) {
                                return Mono.error(new TimedOut(soFar));
                            }
                            waiting.busy(true, soFar);
                            Duration delay = polling.delay(attempt.intValue(), random);
                            if (timeout != null && delay.compareTo(timeout.minus(soFar)) > 0) {
                                delay = timeout.minus(soFar);
                            }
                            return Mono.delay(delay, timer);
                        }))
                .map(acquired -> acquired.withWaited(waited.get()));
    }

    /**
     * One attempt: open, tryLock, check the inode. Null when busy (the channel is then closed).
     *
     * <p>The path's inode is read <em>before</em> opening and again after locking: if a third party
     * deleted or replaced the file in between, the lock may be on an inode no newcomer will ever
     * open, so it is let go and the attempt starts over (docs/reliability.md P8). Read after opening, a
     * replacement between the open and the first read would go unnoticed. A file that did not exist
     * before the open was just created, and is looked at again from the start.
     */
    private @Nullable OsLock tryOnce(Path path, boolean shared) {
        for (int i = 0; i < MAX_REOPENS; i++) {
            // A new key's lock file is missing: one cheap existence check, no exception, no stat.
            Seen before = Disk.missing(path) ? null : look(path);
            if (before != null && before.special()) {
                // Opening a FIFO for writing would wait for a reader forever; a device is never ours.
                throw new StorageException(
                        path,
                        "open the lock file",
                        StorageException.Reason.UNSAFE_LAYOUT,
                        "it is not a regular file (a FIFO, socket or device); remove it",
                        null);
            }
            AsynchronousFileChannel channel;
            try {
                channel = disk.openLock(path, lockMode, files, shared);
            } catch (IOException e) {
                throw lockFileProblem(path, e);
            }
            if (before == null) {
                closeQuietly(channel); // This JVM holds no lock on the file (the key's mutex is ours): nothing to drop.
                continue;
            }
            try {
                FileLock lock = disk.tryLock(channel, shared);
                if (lock == null) {
                    closeQuietly(channel);
                    return null;
                }
                Object after = inode(path);
                if (after != null && before.inode().equals(after)) {
                    return new OsLock(path, channel, lock, after, false);
                }
                if (after == null) {
                    // Collected by gc, which deletes a lock file only while holding it: try the new one.
                    log.debug("Lock file {} was collected while being locked; trying again", path);
                } else {
                    log.warn("Lock file {} was replaced while being locked; trying again on the file now there.", path);
                }
                disk.unlock(lock);
            } catch (IOException e) {
                closeQuietly(channel);
                throw lockFileProblem(path, e);
            }
            closeQuietly(channel);
        }
        return null; // Replaced again and again: wait and try later, as if busy.
    }

    /**
     * What one {@code stat} of a lock file says: its inode, and whether it is a special file (not a
     * regular file, directory or symlink).
     */
    private record Seen(Object inode, boolean special) {}

    /** The lock file's inode and type in one {@code stat}, or null if it is not there. */
    private static @Nullable Seen look(Path path) {
        try {
            java.util.Map<String, Object> a = Files.readAttributes(path, "unix:ino,mode", LinkOption.NOFOLLOW_LINKS);
            Object mode = a.get("mode");
            Object ino = a.get("ino");
            if (!(mode instanceof Integer bits) || ino == null) {
                return null;
            }
            int type = bits & TYPE;
            return new Seen(ino, type != REGULAR && type != DIRECTORY && type != SYMLINK);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The lock file's inode, or null if it is not there; the file is expected to be there. */
    private static @Nullable Object inode(Path path) {
        Seen seen = look(path);
        return seen == null ? null : seen.inode();
    }

    private static StorageException lockFileProblem(Path path, IOException e) {
        if (Files.isSymbolicLink(path)) {
            return new StorageException(
                    path,
                    "open the lock file",
                    StorageException.Reason.UNSAFE_LAYOUT,
                    "it is a symbolic link, which Cachet never follows; delete the link (no process can hold a lock through it)",
                    e);
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return new StorageException(
                    path,
                    "open the lock file",
                    StorageException.Reason.UNSAFE_LAYOUT,
                    "it is a directory; remove it",
                    e);
        }
        return StorageException.of(path, "open the lock file", e);
    }

    private Duration elapsed(long startNanos) {
        return Duration.ofNanos(timer.now(TimeUnit.NANOSECONDS) - startNanos);
    }

    private Lease register(Lease lease) {
        held.add(lease);
        return lease;
    }

    /** How many leases this manager has granted and not yet released. */
    public int heldCount() {
        return held.size();
    }

    /** How many keys of {@code canonicalLocks} this JVM holds or waits for, across all managers. */
    public static int inUse(Path canonicalLocks) {
        return LockTable.forDirectory(canonicalLocks).size();
    }

    /** Releases every lease still held, blocking; for shutdown. */
    @Override
    public void close() {
        for (Lease lease : held) {
            lease.releaseNow();
        }
    }

    private void closeQuietly(AsynchronousFileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("Closing lock channel failed", e);
        }
    }

    /** The deadline passed while another caller held the lock. */
    public static final class TimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Duration waited;

        TimedOut(Duration waited) {
            super("lock wait timed out after " + waited, null, false, false);
            this.waited = waited;
        }

        public Duration waited() {
            return waited;
        }
    }

    private record OsLock(Path path, AsynchronousFileChannel channel, FileLock lock, Object inode, boolean waited) {
        OsLock withWaited(boolean waited) {
            return new OsLock(path, channel, lock, inode, waited);
        }
    }

    /** Exclusive or shared access to one name until {@link #release}. */
    public final class Lease {
        private final OsLock os;
        private final LocalMutex.@Nullable Permit permit;
        private final boolean waited;
        private final Runnable checkIn;
        private final @Nullable SharedHold member;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(OsLock os, LocalMutex.Permit permit, boolean waited, Runnable checkIn) {
            this.os = os;
            this.permit = permit;
            this.waited = waited;
            this.checkIn = checkIn;
            this.member = null;
        }

        /** One holder of a shared hold, whose last holder releases the lock. */
        private Lease(OsLock os, SharedHold member) {
            this.os = os;
            this.permit = null;
            this.waited = false;
            this.checkIn = () -> {};
            this.member = member;
        }

        /** Whether another holder had the lock when this caller asked. */
        public boolean waited() {
            return waited;
        }

        /** The lock file. */
        public Path lockFile() {
            return os.path();
        }

        /** Releases the lock: OS lock, channel, in-JVM mutex, in that order. Idempotent. */
        public Mono<Void> release() {
            return Mono.fromRunnable(this::releaseNow).subscribeOn(io).then();
        }

        /**
         * Deletes the lock file, then releases the lock: for {@code gc}, once the key is gone from the
         * cache. Only for an exclusive lease. Safe because every locker checks, after locking, that the path still names the inode
         * it locked (and tries again on the new file if not), so a waiter that opened this file before
         * the delete never proceeds on it. Idempotent.
         */
        public Mono<Void> releaseAndDelete() {
            return Mono.fromRunnable(() -> {
                        if (member == null && !released.get() && os.inode().equals(inode(os.path()))) {
                            try {
                                Files.deleteIfExists(os.path());
                            } catch (IOException e) {
                                log.debug("Could not collect lock file {}", os.path(), e);
                            }
                        }
                        releaseNow(false);
                    })
                    .subscribeOn(io)
                    .then();
        }

        private void forget() {
            released.set(true);
            held.remove(this);
        }

        /** Releases at once, on the calling thread: an unlock and a close, a few system calls. */
        public void releaseNow() {
            releaseNow(true);
        }

        private void releaseNow(boolean checkInode) {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            if (member != null) {
                held.remove(this);
                member.leave();
                return;
            }
            if (checkInode && !os.inode().equals(inode(os.path()))) {
                log.warn(
                        "Lock file {} was deleted or replaced while this process held it, so another process may have locked the"
                                + " new file and downloaded the same artifact meanwhile. The cache stays correct (every download is"
                                + " verified and published atomically), but lock files are permanent: never delete them.",
                        os.path());
            }
            try {
                disk.unlock(os.lock());
            } catch (IOException e) {
                log.warn("Releasing lock {} failed; closing its channel releases it", os.path(), e);
            } finally {
                closeQuietly(os.channel());
                held.remove(this);
                if (permit != null) {
                    permit.release();
                }
                checkIn.run();
            }
        }
    }
}
