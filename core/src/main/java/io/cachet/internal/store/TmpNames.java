package io.cachet.internal.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The names in {@code tmp/}, grouped by key id, read once for every caller that asked while the
 * previous read ran (a group read, as directory syncs are grouped by the commit). Every download
 * looks in {@code tmp/} for what earlier writers of its key left, and {@code tmp/} holds every part
 * in flight: with 64 downloads at once, one listing each cost about ten system calls and a pass
 * over a hundred names per artifact.
 *
 * <p>A caller is answered only by a read that <em>started</em> after it asked, so it sees every
 * name that was there when it asked and still is: for a download, which asks holding its key's
 * lock, every part an earlier holder of the lock left.
 *
 * <p>Concurrency: the fields are guarded by {@code this}. One caller at a time reads, outside the
 * monitor; the others wait for its result, or for the next read if it started before they asked.
 * Callers are I/O threads, which may block.
 */
final class TmpNames {
    private static final int ID_LENGTH = 64;

    private final Path tmp;
    // Guarded by this: reads are numbered; "finished" is the number of the one whose result is kept.
    private long started;
    private long finished;
    private boolean reading;
    private Map<String, List<String>> byId = Map.of();
    private @Nullable IOException failure;

    TmpNames(Path tmp) {
        this.tmp = tmp;
    }

    /** The names in {@code tmp/} that start with {@code idHex} and a dot. */
    List<String> of(String idHex) throws IOException {
        long ticket;
        synchronized (this) {
            ticket = started + 1;
        }
        while (true) {
            long mine;
            synchronized (this) {
                while (finished < ticket && reading) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while listing " + tmp);
                    }
                }
                if (finished >= ticket) {
                    if (failure != null) {
                        throw new IOException("cannot list " + tmp + ": " + failure.getMessage(), failure);
                    }
                    return byId.getOrDefault(idHex, List.of());
                }
                reading = true;
                mine = ++started;
            }
            Map<String, List<String>> names = Map.of();
            IOException failed = null;
            try {
                names = read();
            } catch (IOException e) {
                failed = e;
            } catch (DirectoryIteratorException e) {
                failed = e.getCause();
            } catch (RuntimeException | Error e) {
                failed = new IOException(e.toString(), e); // Waiters must not take "nothing" for an answer.
                throw e;
            } finally {
                synchronized (this) {
                    byId = names;
                    failure = failed;
                    finished = mine;
                    reading = false;
                    notifyAll();
                }
            }
        }
    }

    private Map<String, List<String>> read() throws IOException {
        Map<String, List<String>> out = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tmp)) {
            for (Path path : dir) {
                String name = path.getFileName().toString();
                if (name.length() > ID_LENGTH + 1 && name.charAt(ID_LENGTH) == '.') {
                    out.computeIfAbsent(name.substring(0, ID_LENGTH), id -> new ArrayList<>(2))
                            .add(name);
                }
            }
        }
        return out;
    }
}
