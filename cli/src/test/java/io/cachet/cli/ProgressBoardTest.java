package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.Sha256;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress display as text, with events replayed at chosen instants of a fake clock. */
class ProgressBoardTest {
    static final long MIB = 1024 * 1024;
    static final Key MODEL = Key.of(URI.create("https://models.example/v2/resnet50.onnx"));
    static final Sha256 SHA = new Sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    static long at(double seconds) {
        return (long) (seconds * 1e9);
    }

    @Test
    void aDownloadShowsBarBytesRateAndEta() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Started(MODEL, "https://models.example/v2/resnet50.onnx", 0, 100 * MIB), at(0));
        assertThat(board.lines(at(0), 80)).containsExactly("resnet50.onnx    [              ] 0 B/100.0 MiB");

        board.apply(new CacheEvent.Progress(MODEL, 40 * MIB, 100 * MIB, false), at(2));

        assertThat(board.lines(at(2), 80))
                .containsExactly("resnet50.onnx    [=====>        ] 40.0/100.0 MiB  20.0 MiB/s  ETA 3.0s");
    }

    @Test
    void aDownloadInRangesShowsItsConnectionsAndSourcesAndTheSummaryToo() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Started(MODEL, "u", 0, 100 * MIB), at(0));
        board.apply(new CacheEvent.Connections(MODEL, 8, List.of("https://a/m", "https://b/m")), at(0));
        board.apply(new CacheEvent.Progress(MODEL, 40 * MIB, 100 * MIB, false), at(2));

        assertThat(board.lines(at(2), 120))
                .containsExactly(
                        "resnet50.onnx    [=====>        ] 40.0/100.0 MiB  20.0 MiB/s  ETA 3.0s  8 conn, 2 sources");

        board.apply(new CacheEvent.Connections(MODEL, 0, List.of()), at(5));
        board.apply(new CacheEvent.Progress(MODEL, 100 * MIB, 100 * MIB, false), at(5));
        Artifact artifact = new Artifact(MODEL, Path.of("/c/b"), SHA, 100 * MIB, Artifact.Source.DOWNLOADED);
        board.apply(new CacheEvent.Committed(MODEL, artifact), at(5));
        board.finished(artifact);
        assertThat(board.summary(at(5)))
                .isEqualTo("downloaded resnet50.onnx: 100.0 MiB in 5.0s (20.0 MiB/s) over 8 connections");
    }

    @Test
    void waitingForAnotherProcessShowsItsPidThenItsProgress() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Waiting(MODEL, 1234), at(0));
        assertThat(board.lines(at(0), 80)).containsExactly("resnet50.onnx    waiting for pid 1234");

        board.apply(new CacheEvent.Progress(MODEL, 40 * MIB, 100 * MIB, true), at(1));
        board.apply(new CacheEvent.Progress(MODEL, 50 * MIB, 100 * MIB, true), at(2));

        assertThat(board.lines(at(2), 80))
                .containsExactly("resnet50.onnx    waiting for pid 1234: 50.0/100.0 MiB  10.0 MiB/s  ETA 5.0s");
    }

    @Test
    void waitingForAnotherHostOfTheFleetNamesTheHostThenShowsItsProgress() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Waiting(MODEL, 4242, "host-b"), at(0));
        assertThat(board.lines(at(0), 80)).containsExactly("resnet50.onnx    waiting for host-b pid 4242");

        board.apply(new CacheEvent.Progress(MODEL, 30 * MIB, 100 * MIB, true), at(1));
        board.apply(new CacheEvent.Progress(MODEL, 40 * MIB, 100 * MIB, true), at(2));

        assertThat(board.lines(at(2), 100))
                .containsExactly("resnet50.onnx    waiting for host-b pid 4242: 40.0/100.0 MiB  10.0 MiB/s  ETA 6.0s");
    }

    @Test
    void summariesOfAWaitForAnotherHostAndOfAReadFromTheTier() {
        Artifact artifact = new Artifact(MODEL, Path.of("/c/b"), SHA, 100 * MIB, Artifact.Source.WAITED);
        ProgressBoard waits = new ProgressBoard(1, at(0));
        waits.apply(new CacheEvent.Waiting(MODEL, 4242, "host-b"), at(0));
        waits.finished(artifact);
        assertThat(waits.summary(at(8)))
                .isEqualTo("resnet50.onnx: downloaded by host-b pid 4242 while this one waited (100.0 MiB, 8.0s)");

        ProgressBoard reads = new ProgressBoard(1, at(0));
        reads.finished(artifact.withSource(Artifact.Source.TIER));
        assertThat(reads.summary(at(1))).isEqualTo("resnet50.onnx: read from the fleet's tier (100.0 MiB, 1.0s)");

        ProgressBoard many = new ProgressBoard(3, at(0));
        many.finished(artifact.withSource(Artifact.Source.TIER));
        many.finished(artifact.withSource(Artifact.Source.TIER));
        many.finished(artifact.withSource(Artifact.Source.DOWNLOADED));
        assertThat(many.summary(at(2))).contains("1 downloaded, ", "2 read from the fleet's tier, ");
    }

    @Test
    void aRetryIsShownUntilTheNextAttemptStarts() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Started(MODEL, "u", 0, 100 * MIB), at(0));
        OriginException unavailable = new OriginException("u", 503, 1, true, null, "HTTP 503", null);
        board.apply(new CacheEvent.Retrying(MODEL, 1, Duration.ofSeconds(1), unavailable), at(0.5));

        assertThat(board.lines(at(0.5), 80))
                .containsExactly("resnet50.onnx    attempt 1 failed (HTTP 503); retrying in 1.0s");

        board.apply(new CacheEvent.Started(MODEL, "u", 0, 100 * MIB), at(1.5));
        assertThat(board.lines(at(1.5), 80)).containsExactly("resnet50.onnx    [              ] 0 B/100.0 MiB");
    }

    @Test
    void aFinishedDownloadLeavesTheDisplayAndTheSummarySaysWhatHappened() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        board.apply(new CacheEvent.Started(MODEL, "u", 0, 100 * MIB), at(0));
        board.apply(new CacheEvent.Progress(MODEL, 100 * MIB, 100 * MIB, false), at(5));
        Artifact artifact = new Artifact(MODEL, Path.of("/c/b"), SHA, 100 * MIB, Artifact.Source.DOWNLOADED);
        board.apply(new CacheEvent.Committed(MODEL, artifact), at(5));
        board.finished(artifact);

        assertThat(board.lines(at(5), 80)).isEmpty();
        assertThat(board.summary(at(5))).isEqualTo("downloaded resnet50.onnx: 100.0 MiB in 5.0s (20.0 MiB/s)");
    }

    @Test
    void summariesOfAHitAWaitAndAResume() {
        Artifact hit = new Artifact(MODEL, Path.of("/c/b"), SHA, 100 * MIB, Artifact.Source.HIT);
        ProgressBoard hits = new ProgressBoard(1, at(0));
        hits.finished(hit);
        assertThat(hits.summary(at(0.2))).isEqualTo("resnet50.onnx: already in the cache (100.0 MiB)");

        ProgressBoard waits = new ProgressBoard(1, at(0));
        waits.apply(new CacheEvent.Waiting(MODEL, 1234), at(0));
        waits.apply(new CacheEvent.Hit(MODEL, hit.withSource(Artifact.Source.WAITED)), at(8));
        waits.finished(hit.withSource(Artifact.Source.WAITED));
        assertThat(waits.summary(at(8)))
                .isEqualTo("resnet50.onnx: downloaded by process 1234 while this one waited (100.0 MiB, 8.0s)");

        ProgressBoard resumes = new ProgressBoard(1, at(0));
        resumes.apply(new CacheEvent.Resumed(MODEL, 60 * MIB), at(0));
        resumes.apply(new CacheEvent.Started(MODEL, "u", 60 * MIB, 100 * MIB), at(0));
        resumes.apply(new CacheEvent.Progress(MODEL, 100 * MIB, 100 * MIB, false), at(2));
        resumes.finished(hit.withSource(Artifact.Source.RESUMED));
        assertThat(resumes.summary(at(2)))
                .isEqualTo("resumed resnet50.onnx: 40.0 MiB downloaded in 2.0s, 60.0 MiB kept from an earlier attempt");
    }

    @Test
    void fetchAllShowsAnAggregateBarAndAtMostSixDownloads() {
        ProgressBoard board = new ProgressBoard(20, at(0));
        for (int i = 1; i <= 8; i++) {
            Key key = Key.of("part-" + i);
            board.apply(new CacheEvent.Started(key, "u", 0, 4 * MIB), at(0));
            board.apply(new CacheEvent.Progress(key, i * 256 * 1024, 4 * MIB, false), at(1));
        }
        for (int i = 0; i < 5; i++) {
            board.finished(new Artifact(Key.of("done-" + i), Path.of("/c/b"), SHA, MIB, Artifact.Source.HIT));
        }
        board.failed();

        assertThat(board.lines(at(1), 80))
                .containsExactly(
                        "[====>         ]  6/20 done, 1 failed  9.0 MiB  9.0 MiB/s",
                        "  part-1           [              ] 256.0 KiB/4.0 MiB  256.0 KiB/s  ETA 15s",
                        "  part-2           [=>            ] 512.0 KiB/4.0 MiB  512.0 KiB/s  ETA 7.0s",
                        "  part-3           [==>           ] 768.0 KiB/4.0 MiB  768.0 KiB/s  ETA 4.3s",
                        "  part-4           [===>          ] 1.0/4.0 MiB  1.0 MiB/s  ETA 3.0s",
                        "  part-5           [====>         ] 1.3/4.0 MiB  1.3 MiB/s  ETA 2.2s",
                        "  part-6           [=====>        ] 1.5/4.0 MiB  1.5 MiB/s  ETA 1.7s",
                        "  ... and 2 more");
        assertThat(board.summary(at(1)))
                .isEqualTo(
                        "6 artifacts in 1.0s: 0 downloaded, 5 already cached, 1 failed; 9.0 MiB transferred (9.0 MiB/s)");
    }

    @Test
    void linesNeverReachTheTerminalsLastColumnSoRedrawingStaysInPlace() {
        ProgressBoard board = new ProgressBoard(1, at(0));
        Key longKey = Key.of("a-very-long-artifact-name-that-goes-on-and-on.tar.zst");
        board.apply(new CacheEvent.Waiting(longKey, 4_194_304), at(0));
        board.apply(new CacheEvent.Progress(longKey, 1023 * MIB, 1024 * 1024 * MIB, true), at(1));
        board.apply(new CacheEvent.Progress(longKey, 1024 * MIB, 1024 * 1024 * MIB, true), at(3));

        assertThat(board.lines(at(3), 40))
                .allSatisfy(line -> assertThat(line.length()).isLessThan(40));
        assertThat(board.lines(at(3), 80))
                .allSatisfy(line -> assertThat(line.length()).isLessThan(80));
        assertThat(board.lines(at(3), 80).get(0))
                .startsWith("a-very-long-a... waiting for pid 4194304: 1.0 GiB/1.0 TiB");
    }
}
