package io.cachet.internal.output;

import io.cachet.InvalidRequestException;
import io.cachet.internal.fs.Disk;
import io.cachet.spi.Text;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Places a verified blob at a path the caller chose (docs/architecture.md, "Output paths"): the
 * path holds exactly the blob's bytes or is left as it was, never a partial file.
 *
 * <pre>
 * check  OUTPUT's directory exists and is writable; OUTPUT is not a directory   (before any download)
 * link   DIR/.NAME.&lt;unique&gt;.tmp as a hard link to the blob       (same file system, and allowed)
 *   or   copy the blob into DIR/.NAME.&lt;unique&gt;.tmp (created new, never through a symlink); fsync it
 * rename DIR/.NAME.&lt;unique&gt;.tmp onto OUTPUT (atomic; replaces what was there, a symlink itself
 *        rather than its target); fsync DIR
 * </pre>
 *
 * <p>A hard link is the blob's own inode: read-only like every blob, and writing it (after a
 * {@code chmod}) would change the cached artifact, which {@code verify} then quarantines. A copy is
 * the caller's own file. Every method blocks; the engine calls them on its I/O threads.
 */
public final class Placement {
    /** How many characters of OUTPUT's name the temporary name keeps, so it stays a valid name. */
    private static final int NAME_KEPT = 50;

    private Placement() {}

    /** How the bytes reached the output path. */
    public enum How {
        /** A hard link to the blob: read-only, no bytes copied. */
        LINKED,
        /** A copy of the blob, synced before it was renamed into place. */
        COPIED
    }

    /**
     * Checks that {@code output} can receive a file, before anything is fetched.
     *
     * @return the absolute path
     * @throws InvalidRequestException if its directory is missing or not writable, or it is a directory
     */
    public static Path check(Path output) {
        Path absolute = output.toAbsolutePath();
        Path directory = absolute.getParent();
        String shown = '"' + Text.printable(output.toString(), 300) + '"';
        if (directory == null || absolute.getFileName() == null) {
            throw new InvalidRequestException("output", shown, "name a file to write, such as DIR/model.bin");
        }
        if (Files.isDirectory(absolute)) {
            throw new InvalidRequestException(
                    "output", shown, "it is a directory; name the file to write in it, such as DIR/model.bin");
        }
        if (!Files.isDirectory(directory)) {
            throw new InvalidRequestException(
                    "output", shown, "its directory " + directory + " does not exist; create it first");
        }
        if (!Files.isWritable(directory)) {
            throw new InvalidRequestException(
                    "output", shown, "its directory " + directory + " is not writable by this user");
        }
        return absolute;
    }

    /**
     * Puts the bytes of {@code blob} at {@code output} (checked by {@link #check}), linked if it
     * can be, else copied, then renamed into place and made durable.
     *
     * @param unique a name no other writer uses, for the temporary file beside {@code output}
     * @throws IOException if it cannot be done; {@code output} is then as it was
     */
    public static How place(Path blob, Path output, String unique, Disk disk) throws IOException {
        Path directory = output.getParent();
        Path fileName = output.getFileName();
        if (directory == null || fileName == null) {
            throw new IOException(output + " is not a checked output path");
        }
        String name = fileName.toString();
        Path temp =
                directory.resolve("." + name.substring(0, Math.min(NAME_KEPT, name.length())) + "." + unique + ".tmp");
        boolean placed = false;
        try {
            How how = linkOrCopy(blob, temp, disk);
            disk.move(temp, output);
            placed = true;
            // Renaming a link onto another link to the same inode changes nothing, and leaves it.
            Files.deleteIfExists(temp);
            disk.syncDirectory(directory);
            return how;
        } finally {
            if (!placed) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static How linkOrCopy(Path blob, Path temp, Disk disk) throws IOException {
        try {
            disk.link(temp, blob);
            return How.LINKED;
        } catch (IOException | UnsupportedOperationException notHere) {
            // Another file system, a blob of another user (protected_hardlinks), too many links: copy.
        }
        try (FileChannel in = FileChannel.open(blob, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                FileChannel out = FileChannel.open(
                        temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                long n = in.transferTo(done, size - done, out);
                if (n <= 0) {
                    throw new IOException("copying " + blob + " stopped at byte " + done + " of " + size);
                }
                done += n;
            }
            out.force(true);
        }
        return How.COPIED;
    }
}
