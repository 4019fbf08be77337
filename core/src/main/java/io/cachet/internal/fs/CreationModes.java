package io.cachet.internal.fs;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What creating a file or directory in a directory does to the mode asked for, learned per
 * directory from what Cachet creates there, so that a mode known to survive creation is simply
 * given at creation instead of being set afterwards (a {@code chmod} that never follows a symlink
 * costs an open, an {@code fchmod} and a close: three system calls per file).
 *
 * <p>Creating with the final mode is always safe: the process's umask, or the directory's default
 * ACL, can only clear permission bits, never add any, so a new file is never more open than asked.
 * The only question is whether a {@code chmod} must widen it afterwards:
 *
 * <ul>
 *   <li>every bit of the mode is known to survive creation here: no {@code chmod};
 *   <li>a bit of it is known to be cleared here: {@code chmod} at once;
 *   <li>otherwise: read the new file's mode once ({@code stat}), learn from it, and {@code chmod}
 *       if a bit was cleared.
 * </ul>
 *
 * <p>Special bits (set-group-ID, sticky) are always set by {@code chmod}: {@code mkdir} and {@code
 * open} do not set them. Learned once per directory and process: a umask or default ACL changed
 * while the process runs leaves later files narrower than asked, never wider.
 *
 * <p>Concurrency: what is known of a directory only grows, by compare-and-set on the map's entry.
 */
final class CreationModes {
    static final int PERMISSIONS = 0777;
    private static final ConcurrentMap<Path, Known> BY_DIRECTORY = new ConcurrentHashMap<>();

    private CreationModes() {}

    /** What to do after creating something with {@code mode} in its directory. */
    enum After {
        NOTHING,
        SET_MODE,
        CHECK
    }

    /**
     * Bits seen to survive creation and bits seen cleared, in one directory.
     *
     * @param kept permission bits that a creation here kept
     * @param cleared permission bits that a creation here cleared
     */
    record Known(int kept, int cleared) {
        static final Known NOTHING = new Known(0, 0);

        After after(int mode) {
            if ((mode & ~PERMISSIONS) != 0 || (mode & cleared) != 0) {
                return After.SET_MODE;
            }
            return (mode & ~kept) == 0 ? After.NOTHING : After.CHECK;
        }

        Known learn(int asked, int got) {
            int permissions = asked & PERMISSIONS;
            return new Known(kept | (permissions & got), cleared | (permissions & ~got));
        }
    }

    /** What is known of creating in {@code path}'s directory. */
    static After after(Path path, int mode) {
        return BY_DIRECTORY.getOrDefault(directory(path), Known.NOTHING).after(mode);
    }

    /** Records that {@code path}, created with {@code asked}, got the permission bits {@code got}. */
    static void learn(Path path, int asked, int got) {
        BY_DIRECTORY.merge(directory(path), Known.NOTHING.learn(asked, got), (old, seen) -> old.learn(asked, got));
    }

    /** Forgets everything learned, for tests that change the umask's effect (they cannot change the umask). */
    static void forget() {
        BY_DIRECTORY.clear();
    }

    private static Path directory(Path path) {
        Path absolute = path.toAbsolutePath();
        Path parent = absolute.getParent();
        return parent == null ? absolute : parent;
    }
}
