package io.cachet.internal.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/** {@link Disk} on the real file system. */
final class RealDisk implements Disk {
    private static final Set<OpenOption> NEW_PART = Set.of(
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> EXISTING_PART =
            Set.of(StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> EXISTING_LOCK = Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> EXISTING_SHARED_LOCK =
            Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> NEW_FILE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final ConcurrentMap<Integer, FileAttribute<Set<PosixFilePermission>>> ATTRIBUTES =
            new ConcurrentHashMap<>();
    private static final Set<OpenOption> NEW_LOCK = Set.of(
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.READ,
            LinkOption.NOFOLLOW_LINKS);

    @Override
    public AsynchronousFileChannel createPart(Path path, int mode, ExecutorService executor) throws IOException {
        return AsynchronousFileChannel.open(path, NEW_PART, executor, attribute(mode));
    }

    @Override
    public void createFile(Path file, byte[] bytes, int mode) throws IOException {
        CreationModes.After after = CreationModes.after(file, mode);
        try (SeekableByteChannel out = Files.newByteChannel(file, NEW_FILE, attribute(mode))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
        finishMode(file, mode, after);
    }

    @Override
    public void createDirectory(Path dir, int mode) throws IOException {
        CreationModes.After after = CreationModes.after(dir, mode);
        Files.createDirectory(dir, attribute(mode));
        finishMode(dir, mode, after);
    }

    /**
     * Completes the mode of something just created with {@code mode} (so never more open than asked):
     * widens it where creation cleared bits, reading it once where that is not yet known here.
     */
    private void finishMode(Path path, int mode, CreationModes.After after) throws IOException {
        if (after == CreationModes.After.SET_MODE) {
            setMode(path, mode);
        } else if (after == CreationModes.After.CHECK) {
            int got = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            CreationModes.learn(path, mode, got);
            if ((got & 07777) != mode) {
                setMode(path, mode);
            }
        }
    }

    /** {@code mode}'s permission bits as a creation attribute; special bits are set afterwards. */
    private static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
        return ATTRIBUTES.computeIfAbsent(
                mode & CreationModes.PERMISSIONS, bits -> PosixFilePermissions.asFileAttribute(permissions(bits)));
    }

    @Override
    public AsynchronousFileChannel openPart(Path path, ExecutorService executor) throws IOException {
        return AsynchronousFileChannel.open(path, EXISTING_PART, executor);
    }

    @Override
    public void force(AsynchronousFileChannel channel) throws IOException {
        channel.force(true);
    }

    @Override
    public void setMode(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public void link(Path link, Path existing) throws IOException {
        Files.createLink(link, existing);
    }

    @Override
    public AsynchronousFileChannel openLock(Path path, int mode, ExecutorService executor, boolean shared)
            throws IOException {
        Set<OpenOption> existing = shared ? EXISTING_SHARED_LOCK : EXISTING_LOCK;
        // A new key's lock file does not exist yet: create it first then, without a failed open.
        if (Disk.missing(path)) {
            AsynchronousFileChannel created = createLock(path, mode, executor);
            if (created != null) {
                return created;
            }
        }
        try {
            return AsynchronousFileChannel.open(path, existing, executor);
        } catch (NoSuchFileException missing) {
            AsynchronousFileChannel created = createLock(path, mode, executor);
            return created != null ? created : AsynchronousFileChannel.open(path, existing, executor);
        }
    }

    /** Creates the lock file, or returns null if another process or thread just created it. */
    private @Nullable AsynchronousFileChannel createLock(Path path, int mode, ExecutorService executor)
            throws IOException {
        CreationModes.After after = CreationModes.after(path, mode);
        AsynchronousFileChannel channel;
        try {
            channel = AsynchronousFileChannel.open(path, NEW_LOCK, executor, attribute(mode));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            return null;
        }
        try {
            finishMode(path, mode, after);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    @Override
    public @Nullable FileLock tryLock(AsynchronousFileChannel channel, boolean shared) throws IOException {
        try {
            return channel.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException sameJvm) {
            // The JVM lock table should prevent this; if the directory was reached by two paths that
            // canonicalise differently (bind mounts), it is "not yet", as in maven-resolver 74bfbc09e.
            return null;
        } catch (IOException e) {
            String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("deadlock")) {
                return null; // EDEADLK: the kernel's guess at a cycle; also "not yet" (Linux reports it for some lock
                // patterns; it means only "not now").
            }
            throw e;
        }
    }

    @Override
    public void unlock(FileLock lock) throws IOException {
        lock.release();
    }

    static byte @Nullable [] readSmall(Path path, int max) throws IOException {
        if (Disk.missing(path)) {
            return null;
        }
        try {
            // Checked before opening: opening a FIFO for reading would wait for a writer forever.
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return null;
            }
            try (InputStream in = Files.newInputStream(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return in.readNBytes(max + 1);
            }
        } catch (java.nio.file.FileSystemException vanishedOrNotAFile) {
            return null; // Gone meanwhile, a symlink (ELOOP) or a directory: nothing to read.
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder(9);
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }
}
