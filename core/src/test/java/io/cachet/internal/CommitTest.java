package io.cachet.internal;

import static io.cachet.testing.CacheDirectoryAssert.assertThatCache;
import static io.cachet.testing.Failures.failure;
import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.Sha256;
import io.cachet.StorageException;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.FaultyDisk;
import io.cachet.testing.FaultyDisk.Call;
import io.cachet.testing.FaultyDisk.Op;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** docs/reliability.md, "The durable commit": the durable commit, in its order, and what happens when a step fails. */
@Timeout(120)
class CommitTest {
    private static final byte[] BODY = Bytes.random(1024 * 1024 + 99, 61);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final FetchRequest REQUEST =
            FetchRequest.of("https://origin.test/c").withSha256(SHA);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void commitSyncsTheReadOnlyFileMovesItAtomicallyThenSyncsTheDirectoryThenRecordsTheKey() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk();
        java.util.concurrent.atomic.AtomicInteger modeAtMove = new java.util.concurrent.atomic.AtomicInteger(-1);
        disk.before(
                Op.MOVE,
                p -> p.toString().contains("/blobs/"),
                blobPath -> modeAtMove.set(mode(disk.calls().stream()
                        .filter(c -> c.op() == Op.CREATE_PART)
                        .findFirst()
                        .orElseThrow()
                        .path())));
        Cache cache = fixture.open(fixture.builder(), disk);
        int opening = disk.calls().size();

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        Path blob = artifact.path();
        Path blobDir = blob.getParent();
        Path refs = fixture.root().toRealPath().resolve("refs");
        Path part = disk.calls().stream()
                .filter(c -> c.op() == Op.CREATE_PART)
                .findFirst()
                .orElseThrow()
                .path();
        List<Call> calls = disk.calls().subList(opening, disk.calls().size());
        assertThat(calls)
                .extracting(Call::op, Call::path)
                .containsSubsequence(
                        org.assertj.core.groups.Tuple.tuple(Op.CREATE_PART, part),
                        org.assertj.core.groups.Tuple.tuple(Op.FORCE, part),
                        org.assertj.core.groups.Tuple.tuple(Op.MOVE, blob),
                        org.assertj.core.groups.Tuple.tuple(Op.MOVE, refs.resolve(refName(calls))),
                        org.assertj.core.groups.Tuple.tuple(Op.UNLOCK, Path.of("lock")));
        List<Call> afterRecord = calls.subList(
                calls.indexOf(calls.stream()
                        .filter(c -> c.op() == Op.MOVE && c.path().startsWith(refs))
                        .findFirst()
                        .orElseThrow()),
                calls.size());
        assertThat(afterRecord)
                .as("both directories are synced once blob and record are in place, before the lock goes")
                .extracting(Call::op, Call::path)
                .contains(
                        org.assertj.core.groups.Tuple.tuple(Op.SYNC_DIRECTORY, blobDir),
                        org.assertj.core.groups.Tuple.tuple(Op.SYNC_DIRECTORY, refs));
        List<Call> beforeBlob = calls.subList(
                0,
                calls.indexOf(calls.stream()
                        .filter(c -> c.op() == Op.MOVE && c.path().equals(blob))
                        .findFirst()
                        .orElseThrow()));
        assertThat(beforeBlob)
                .as("the record is written aside before anything is published, so a full disk publishes nothing")
                .anyMatch(c -> c.op() == Op.CREATE_FILE
                        && c.path().getFileName().toString().startsWith(refName(calls) + "."));
        assertThat(calls).filteredOn(c -> c.op() == Op.FORCE).hasSize(1);
        assertThat(modeAtMove.get())
                .as("the part is read-only before its name becomes the blob's: created so, no chmod needed")
                .isEqualTo(0444);
        assertThat(calls).noneMatch(c -> c.op() == Op.SET_MODE && c.path().equals(part));
        assertThat((Integer) Files.getAttribute(blob, "unix:mode") & 0777).isEqualTo(0444);
        assertThat(Files.readAllBytes(blob)).isEqualTo(BODY);
    }

    @Test
    void newBlobDirectoriesAreMadeDurableInTheSameRoundOfSyncsAsTheBlobAndOnlyOnce() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk();
        Cache cache = fixture.open(fixture.builder(), disk);
        Path fanOuts = fixture.root().resolve("blobs").resolve("sha256");
        int opening = disk.calls().size();

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        List<Call> first = disk.calls().subList(opening, disk.calls().size());

        Path directory = artifact.path().getParent();
        assertThat(first)
                .extracting(Call::op, Call::path)
                .containsSubsequence(
                        org.assertj.core.groups.Tuple.tuple(Op.CREATE_DIRECTORY, directory),
                        org.assertj.core.groups.Tuple.tuple(Op.MOVE, artifact.path()),
                        org.assertj.core.groups.Tuple.tuple(
                                Op.MOVE, fixture.root().resolve("refs").resolve(refName(first))),
                        org.assertj.core.groups.Tuple.tuple(Op.UNLOCK, Path.of("lock")))
                .as("the new directory's entry is synced after the renames, with the blob's and the record's")
                .containsSubsequence(
                        org.assertj.core.groups.Tuple.tuple(Op.MOVE, artifact.path()),
                        org.assertj.core.groups.Tuple.tuple(Op.SYNC_DIRECTORY, fanOuts),
                        org.assertj.core.groups.Tuple.tuple(Op.UNLOCK, Path.of("lock")));
        assertThat(first).filteredOn(c -> c.op() == Op.SYNC_DIRECTORY).hasSize(3);

        byte[] neighbour = inTheSameFanOutDirectory(SHA);
        fixture.origin.enqueue(ok(neighbour));
        int before = disk.calls().size();
        Artifact next = cache.fetch(
                        FetchRequest.of("https://origin.test/neighbour").withSha256(Bytes.sha256(neighbour)))
                .block(Duration.ofSeconds(30));
        assertThat(next.path().getParent()).isEqualTo(directory);
        List<Call> second = disk.calls().subList(before, disk.calls().size());
        assertThat(second)
                .as("a directory known durable is neither looked at again nor synced in its parent")
                .noneMatch(c -> c.op() == Op.SYNC_DIRECTORY && c.path().equals(fanOuts))
                .noneMatch(c -> c.op() == Op.CREATE_DIRECTORY);
    }

    @Test
    void aFailedFileSyncIsNeverRetriedThePartIsDiscardedAndNothingIsPublished() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk().fail(Op.FORCE, p -> true, new IOException("Input/output error"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(error.operation()).isEqualTo("sync");
        assertThat(error.path().toString()).endsWith(".part");
        assertThat(error).hasMessageContaining("Input/output error").hasMessageContaining("Nothing was committed");
        assertThat(disk.ops()).filteredOn(op -> op == Op.FORCE).hasSize(1);
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    @Test
    void aRenameThatCannotBeAtomicFailsWithoutFallingBackToACopy() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk()
                .fail(
                        Op.MOVE,
                        p -> p.toString().contains("/blobs/"),
                        new AtomicMoveNotSupportedException("a", "b", "Invalid cross-device link"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(error.operation()).isEqualTo("move");
        assertThat(error).hasMessageContaining("cross-device");
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    @Test
    void aWriteThatRunsOutOfSpaceFailsNamingThePartRemovesItAndTheNextFetchWorksOnceSpaceIsBack() throws Exception {
        fixture.origin.enqueue(ok(BODY), ok(BODY));
        FaultyDisk disk = new FaultyDisk().failWritesAfter(512 * 1024);
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);
        assertThat(error.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
        assertThat(error.path().toString()).contains("/tmp/").endsWith(".part");
        assertThat(error).hasMessageContaining("free space");
        assertThat(fixture.origin.opens()).as("a full disk is not retried").isEqualTo(1);

        disk.failWritesAfter(-1);
        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        assertThat(artifact.sha256()).isEqualTo(SHA);
    }

    @Test
    void shortWritesAreCompletedAndTheBlobIsExact() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        Cache cache = fixture.open(fixture.builder(), new FaultyDisk().shortWrites(10_000));

        Artifact artifact = cache.fetch(REQUEST).block(Duration.ofSeconds(30));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
    }

    @Test
    void aPartFileThatCannotBeCreatedLeavesNoSidecarBehind() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk()
                .fail(
                        Op.CREATE_PART,
                        p -> true,
                        new java.nio.file.FileSystemException("x", null, "No space left on device"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(error.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
        assertThat(fixture.origin.opens())
                .as("nothing is asked of the origin without a part file")
                .isZero();
        try (Stream<Path> tmp = Files.list(fixture.root().resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void aLargeDownloadRecordsItsSidecarOnceAndASmallOneNeverDoes() throws Exception {
        byte[] small = Bytes.random(64 * 1024, 62);
        fixture.origin.enqueue(ok(BODY).etag("\"big\""), ok(small).etag("\"small\""));
        FaultyDisk disk = new FaultyDisk();
        Cache cache = fixture.open(fixture.builder(), disk);

        cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        long sidecarsForLarge = sidecarMoves(disk);
        cache.fetch(FetchRequest.of("https://origin.test/small").withSha256(Bytes.sha256(small)))
                .block(Duration.ofSeconds(30));

        assertThat(sidecarsForLarge)
                .as("written once, when the response said how large")
                .isEqualTo(1);
        assertThat(sidecarMoves(disk))
                .as("nothing to resume or watch in 64 KiB")
                .isEqualTo(1);
    }

    private static long sidecarMoves(FaultyDisk disk) {
        return disk.calls().stream()
                .filter(c -> c.op() == Op.MOVE && c.path().toString().endsWith(".meta"))
                .count();
    }

    @Test
    void aKeyRecordThatCannotBeMovedIntoPlaceSaysTheBlobWasCommittedAndTheNextPinnedFetchFindsIt() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk()
                .fail(
                        Op.MOVE,
                        p -> p.getParent().getFileName().toString().equals("refs"),
                        new IOException("No space left on device"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(error)
                .hasMessageContaining("was committed, but its key record was not")
                .hasMessageContaining(SHA.hex())
                .hasMessageNotContaining("Nothing was committed");
        assertThat(error.committed()).isPresent();
        assertThatCache(fixture.root()).hasBlob(SHA).hasBlobCount(1);
        disk.heal(Op.MOVE);
        Artifact found = cache.fetch(REQUEST).block(Duration.ofSeconds(30));
        assertThat(found.source()).isEqualTo(Artifact.Source.HIT);
        assertThat(fixture.origin.opens()).isEqualTo(1);
    }

    @Test
    void aFullDiskWhileTheKeyRecordIsWrittenPublishesNothing() throws Exception {
        fixture.origin.enqueue(ok(BODY));
        FaultyDisk disk = new FaultyDisk()
                .fail(
                        Op.CREATE_FILE,
                        p -> p.getParent().getFileName().toString().equals("tmp")
                                && p.getFileName().toString().endsWith(".new")
                                && !p.getFileName().toString().contains(".meta."),
                        new IOException("No space left on device"));
        Cache cache = fixture.open(fixture.builder(), disk);

        StorageException error = failure(cache.fetch(REQUEST).toFuture(), StorageException.class);

        assertThat(error.reason()).isEqualTo(StorageException.Reason.NO_SPACE);
        assertThat(error).hasMessageContaining("Nothing was committed");
        assertThatCache(fixture.root()).hasNoBlobs();
    }

    private static int mode(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:mode") & 07777;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A small body whose digest starts with the same byte as {@code sha}'s, so its blob shares the directory. */
    private static byte[] inTheSameFanOutDirectory(Sha256 sha) {
        for (int seed = 0; ; seed++) {
            byte[] body = Bytes.random(4096, seed);
            if (Bytes.sha256(body).hex().startsWith(sha.hex().substring(0, 2))) {
                return body;
            }
        }
    }

    private static String refName(List<Call> calls) {
        return calls.stream()
                .filter(c -> c.op() == Op.OPEN_LOCK)
                .findFirst()
                .orElseThrow()
                .path()
                .getFileName()
                .toString()
                .replace(".lock", "");
    }
}
