package io.cachet.internal.store;

/**
 * The modes Cachet gives what it creates: given at creation and widened afterwards wherever the
 * umask (or a default ACL) narrowed them, so that neither decides who may read the cache. Nothing is
 * ever writable by others, and blobs are writable by nobody.
 *
 * @param directory mode of directories ({@code 0755}, or {@code 02775} when shared with the group:
 *     set-group-ID so new files keep the directory's group)
 * @param blob mode of verified blobs: {@code 0444}
 * @param file mode of key records and part sidecars
 * @param lock mode of lock files; an exclusive lock needs write access, so a shared cache makes
 *     them group-writable
 * @param part mode of an adopted part file, to be written again: owner only (a fresh part is created
 *     with the blob's mode, its open channel being writable regardless)
 */
record Permissions(int directory, int blob, int file, int lock, int part) {
    private static final int OTHERS_WRITE = 0002;

    /** Validates that nothing is writable by others. */
    Permissions {
        for (int mode : new int[] {directory, blob, file, lock, part}) {
            if ((mode & OTHERS_WRITE) != 0) {
                throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " is writable by others");
            }
        }
        if ((blob & 0222) != 0) {
            throw new IllegalArgumentException("blobs must be read-only, not " + Integer.toOctalString(blob));
        }
    }

    /** Modes for a cache used by one user, or shared with the directory's group. */
    static Permissions of(boolean sharedWithGroup) {
        return sharedWithGroup
                ? new Permissions(02775, 0444, 0664, 0664, 0600)
                : new Permissions(0755, 0444, 0644, 0644, 0600);
    }
}
