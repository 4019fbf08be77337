package io.cachet.internal.store;

import io.cachet.Sha256;
import java.nio.file.Path;

/**
 * Where everything lives under a cache root. Paths only: no I/O.
 *
 * <pre>
 * root/
 *   CACHET                          "cachet-layout 1": marks the directory and its format
 *   blobs/sha256/ab/ab12…(64 hex)   verified bytes, read-only, named by their own SHA-256
 *   refs/&lt;id&gt;                        a key record: which blob a key names (see RefFile)
 *   tmp/&lt;id&gt;.&lt;unique&gt;.part            bytes being downloaded, one file per writer
 *   tmp/&lt;id&gt;.&lt;unique&gt;.meta            the part's sidecar: owner, validators, checkpoint (see Sidecar)
 *   tmp/&lt;name&gt;.&lt;unique&gt;.new             a record or sidecar being written, renamed into place
 *   locks/&lt;id&gt;.lock                  the key's lock file: empty, permanent, opened only by the lock manager
 *   quarantine/&lt;sha&gt;.&lt;time&gt;          blobs that failed re-verification
 * </pre>
 *
 * <p>{@code <id>} is the SHA-256 of the key's text ({@link Store.KeyId}), so no caller-chosen text ever
 * becomes a path. {@code tmp/} and {@code blobs/} are on one file system, which the atomic move
 * needs.
 */
final class Layout {
    static final String MARKER = "CACHET";
    static final String MARKER_TEXT = "cachet-layout 1\n";
    static final String PART_SUFFIX = ".part";
    static final String SIDECAR_SUFFIX = ".meta";
    static final String NEW_SUFFIX = ".new";

    private final Path root;
    private final Path blobs;
    private final Path refs;
    private final Path tmp;
    private final Path locks;
    private final Path quarantine;

    Layout(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.refs = root.resolve("refs");
        this.tmp = root.resolve("tmp");
        this.locks = root.resolve("locks");
        this.quarantine = root.resolve("quarantine");
    }

    Path root() {
        return root;
    }

    Path blobs() {
        return blobs;
    }

    Path refs() {
        return refs;
    }

    Path tmp() {
        return tmp;
    }

    Path locks() {
        return locks;
    }

    Path quarantine() {
        return quarantine;
    }

    Path blobDirectory(Sha256 sha256) {
        return blobs.resolve(sha256.hex().substring(0, 2));
    }

    Path blob(Sha256 sha256) {
        return blobDirectory(sha256).resolve(sha256.hex());
    }

    Path ref(Store.KeyId id) {
        return refs.resolve(id.hex());
    }

    Path lockFile(String name) {
        return locks.resolve(name + ".lock");
    }

    Path part(Store.KeyId id, String unique) {
        return tmp.resolve(id.hex() + "." + unique + PART_SUFFIX);
    }

    Path sidecar(Store.KeyId id, String unique) {
        return tmp.resolve(id.hex() + "." + unique + SIDECAR_SUFFIX);
    }
}
