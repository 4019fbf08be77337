package io.cachet;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What a cache is doing, published by {@link Cache#events()} for progress bars, logs and metrics.
 *
 * <p>For one fetch that downloads, the events are {@code Started}, {@code Progress}...,
 * {@code Committed} (or {@code Failed}), with {@code Resumed}, {@code Retrying} and {@code
 * Connections} as they happen.
 * A fetch that finds the artifact emits {@code Hit}. A fetch that waits for another process emits
 * {@code Waiting}, then {@code Progress} events read from that process's record of its download
 * ({@link Progress#remote()}), then whatever it does once the lock is free; a fetch waiting for
 * another host of a fleet does the same with what that host records in its cluster lease. Callers that join a
 * download already in flight in this cache add no events of their own.
 *
 * <p>Eviction, by {@link Cache#gc} or by the automatic cap ({@link Cache.Builder#maxSize}), emits
 * {@code Evicted} for every key it removes.
 */
public sealed interface CacheEvent {

    /** The artifact's key. */
    Key key();

    /** The kind of event, for switches and assertions. */
    Type type();

    /** The kinds of event. */
    enum Type {
        HIT,
        WAITING,
        STARTED,
        PROGRESS,
        RESUMED,
        RETRYING,
        CONNECTIONS,
        COMMITTED,
        FAILED,
        EVICTED
    }

    /** The artifact was found in the cache. */
    record Hit(Key key, Artifact artifact) implements CacheEvent {
        @Override
        public Type type() {
            return Type.HIT;
        }
    }

    /**
     * Another download of this artifact holds its lock, or on another host its cluster lease; this
     * fetch waits for it.
     *
     * @param holderPid the holder's process id as it recorded it, or -1 if not known yet
     * @param holderHost the holder's host when it is another host of the fleet, else null
     */
    record Waiting(Key key, long holderPid, @Nullable String holderHost) implements CacheEvent {
        /** Waiting for a holder on this host. */
        public Waiting(Key key, long holderPid) {
            this(key, holderPid, null);
        }

        @Override
        public Type type() {
            return Type.WAITING;
        }
    }

    /**
     * A download attempt began.
     *
     * @param url the redacted URL
     * @param offset the byte offset it starts from (above 0 when resuming)
     * @param expectedSize the expected total size, or -1 when unknown
     */
    record Started(Key key, String url, long offset, long expectedSize) implements CacheEvent {
        @Override
        public Type type() {
            return Type.STARTED;
        }
    }

    /**
     * Bytes are arriving.
     *
     * @param bytes bytes written so far, counting from the start of the artifact
     * @param total the expected total, or -1 when unknown
     * @param remote whether these are another process's (or host's) bytes, observed while waiting for
     *     its lock (or cluster lease)
     */
    record Progress(Key key, long bytes, long total, boolean remote) implements CacheEvent {
        @Override
        public Type type() {
            return Type.PROGRESS;
        }
    }

    /**
     * A download continues from bytes already on disk.
     *
     * @param offset how many bytes were kept
     */
    record Resumed(Key key, long offset) implements CacheEvent {
        @Override
        public Type type() {
            return Type.RESUMED;
        }
    }

    /**
     * An attempt failed in a way that may pass; the next one starts after {@code delay}.
     *
     * @param attempt the number of the attempt that failed, from 1
     */
    record Retrying(Key key, int attempt, Duration delay, CachetException cause) implements CacheEvent {
        @Override
        public Type type() {
            return Type.RETRYING;
        }
    }

    /**
     * A download in parallel ranges opened or closed connections, or moved them to other sources:
     * how many are open now and to which sources. Published when either changes, and once with
     * none when the download's ranges end. A download that does not use ranges publishes none.
     *
     * @param connections connections open now
     * @param sources the redacted URLs they are open to: the request's own first, then mirrors, in
     *     the request's order
     */
    record Connections(Key key, int connections, java.util.List<String> sources) implements CacheEvent {
        public Connections {
            sources = java.util.List.copyOf(sources);
        }

        @Override
        public Type type() {
            return Type.CONNECTIONS;
        }
    }

    /** A verified artifact was moved into the cache. */
    record Committed(Key key, Artifact artifact) implements CacheEvent {
        @Override
        public Type type() {
            return Type.COMMITTED;
        }
    }

    /** The fetch failed; every caller waiting on it receives {@code error}. */
    record Failed(Key key, CachetException error) implements CacheEvent {
        @Override
        public Type type() {
            return Type.FAILED;
        }
    }

    /**
     * Eviction removed the key; its blob was deleted with it unless another key still names it.
     *
     * @param key the key, as listings show it (a URI key's query as {@code ?...})
     * @param sha256 the blob it named
     * @param size that blob's size
     * @param automatic whether the automatic cap did it ({@link Cache.Builder#maxSize}), rather than
     *     a call to {@link Cache#gc}
     */
    record Evicted(Key key, Sha256 sha256, long size, boolean automatic) implements CacheEvent {
        @Override
        public Type type() {
            return Type.EVICTED;
        }
    }
}
