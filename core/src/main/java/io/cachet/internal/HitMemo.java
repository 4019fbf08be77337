package io.cachet.internal;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.internal.store.Store.KeyId;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Hits this process has already seen, so that a repeated fetch costs two {@code stat} calls instead
 * of reading the key record: the blob must still be a regular file of the right size, and the key
 * record must still be the same inode (any process that re-points a key replaces its record by
 * rename, which makes a new inode). Anything else falls back to the full lookup. Bounded: cleared
 * when it grows past {@link #MAX_ENTRIES}.
 */
final class HitMemo {
    static final int MAX_ENTRIES = 16_384;

    private record Entry(KeyId id, Artifact artifact, URI uri, Path ref, Object refInode) {}

    private final ConcurrentMap<Key, Entry> entries = new ConcurrentHashMap<>();

    /** The artifact if {@code request} is satisfied by a hit seen before and still valid, else null. */
    @Nullable
    Artifact hit(FetchRequest request) {
        Entry entry = entries.get(request.key());
        if (entry == null) {
            return null;
        }
        Artifact artifact = entry.artifact();
        if ((request.sha256() == null && !request.uri().equals(entry.uri()))
                || (request.sha256() != null && !request.sha256().equals(artifact.sha256()))
                || (request.size() != FetchRequest.UNKNOWN_SIZE && request.size() != artifact.size())) {
            return null;
        }
        try {
            BasicFileAttributes blob =
                    Files.readAttributes(artifact.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            BasicFileAttributes ref =
                    Files.readAttributes(entry.ref(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (blob.isRegularFile()
                    && blob.size() == artifact.size()
                    && Objects.equals(ref.fileKey(), entry.refInode())) {
                return artifact;
            }
        } catch (IOException gone) {
            // Evicted, quarantined or re-pointed: the full lookup decides.
        }
        entries.remove(request.key(), entry);
        return null;
    }

    KeyId id(Key key) {
        Entry entry = entries.get(key);
        return entry != null ? entry.id() : KeyId.of(key);
    }

    /**
     * Remembers a verified hit of a request for {@code uri}; {@code ref} is the key record that named
     * it. An unpinned request for another URI goes to the full lookup, which knows where the bytes
     * came from.
     */
    void remember(KeyId id, Artifact hit, URI uri, Path ref) {
        try {
            Object inode = Files.readAttributes(ref, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .fileKey();
            if (inode == null) {
                return; // No inode identity on this file system: never trust a memo here.
            }
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(hit.key(), new Entry(id, hit.withSource(Artifact.Source.HIT), uri, ref, inode));
        } catch (IOException e) {
            // Not remembered; the next fetch takes the full lookup.
        }
    }
}
