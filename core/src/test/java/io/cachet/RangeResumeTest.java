package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.Engine;
import io.cachet.internal.fetch.Download;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFiles;
import io.cachet.testing.CacheFixture;
import io.cachet.testing.EventRecorder;
import io.cachet.testing.Served;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.scheduler.Schedulers;

/**
 * docs/architecture.md, "Resume": a download in parallel ranges that stops records the ranges on
 * disk in its sidecar, and the next fetch asks only for what is missing (pinned), or keeps only the
 * prefix whose digest was checkpointed (unpinned). The kill -9 versions are in the CLI and
 * cachet-reactor's tests.
 */
@Timeout(120)
class RangeResumeTest {
    private static final int SIZE = 16 * 1024 * 1024;
    private static final int STALL = 1024 * 1024;
    private static final byte[] BODY = Bytes.random(SIZE, 61);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final String URL = "https://origin.test/model.bin";
    private static final Download.Parallelism TWO_AT_ONCE = CacheFixture.allAtOnce(2);

    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void aPinnedDownloadStoppedMidRangesAsksOnlyForTheMissingRangesNextTime() throws Exception {
        List<long[]> recorded = stopWithRangesOnDisk(FetchRequest.of(URL).withSha256(SHA));
        long kept = total(recorded);
        assertThat(kept).as("the first range and some of the others").isGreaterThan(STALL);

        Served again = Served.bytes(BODY).chunks(64 * 1024).on(Schedulers.parallel());
        fixture.origin.serve(URL, again);
        Engine cache = fixture.open(fixture.builder().connections(2), TWO_AT_ONCE);
        EventRecorder events = fixture.record(cache);
        Artifact artifact = cache.fetch(FetchRequest.of(URL).withSha256(SHA)).block(Duration.ofSeconds(60));

        assertThat(artifact.source()).isEqualTo(Artifact.Source.RESUMED);
        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        assertThat(events.of(CacheEvent.Resumed.class))
                .singleElement()
                .satisfies(r -> assertThat(r.offset()).isEqualTo(kept));
        for (OriginRequest r : again.asked()) {
            assertThat(r.validators().ifRange()).isEqualTo("\"v1\"");
            long end = r.isBounded() ? r.end() : SIZE;
            for (long[] span : recorded) {
                assertThat(end <= span[0] || r.offset() >= span[1])
                        .as("%s asks nothing of the recorded %s", describe(r), describe(span))
                        .isTrue();
            }
        }
        assertThat(again.bytesSent())
                .as("bytes sent after the restart: the missing ones, and at most a chunk past each range cut short")
                .isBetween(SIZE - kept, SIZE - kept + again.requests() * 64L * 1024);
    }

    @Test
    void anUnpinnedDownloadStoppedMidRangesKeepsOnlyItsCheckpointedPrefix() throws Exception {
        List<long[]> recorded = stopWithRangesOnDisk(FetchRequest.of(URL));
        long prefix = checkpoint();
        assertThat(prefix)
                .as("the checkpoint is the hashed prefix, within the first recorded range")
                .isPositive()
                .isLessThanOrEqualTo(recorded.get(0)[1]);

        Served again = Served.bytes(BODY).chunks(64 * 1024).on(Schedulers.parallel());
        fixture.origin.serve(URL, again);
        Engine cache = fixture.open(fixture.builder().connections(2), TWO_AT_ONCE);
        Artifact artifact = cache.fetch(FetchRequest.of(URL)).block(Duration.ofSeconds(60));

        assertThat(artifact.sha256()).isEqualTo(SHA);
        assertThat(again.asked().get(0).offset())
                .as("resumed from the checkpoint")
                .isEqualTo(prefix);
        assertThat(again.bytesSent())
                .as("ranges past the gap, never hashed, are fetched again; at most a chunk past each range cut short")
                .isBetween(SIZE - prefix, SIZE - prefix + again.requests() * 64L * 1024);
    }

    /**
     * Fetches over two connections while every bounded range stalls after {@link #STALL} bytes, then
     * closes the cache once both stalled: the part stays, with its sidecar.
     *
     * @return the ranges the sidecar records
     */
    private List<long[]> stopWithRangesOnDisk(FetchRequest request) throws Exception {
        fixture.allowResumableParts();
        Served stalling = Served.bytes(BODY)
                .chunks(64 * 1024)
                .on(Schedulers.parallel())
                .always(OriginRequest::isBounded, r -> r.stallAfter(STALL));
        fixture.origin.serve(URL, stalling);
        Engine first = fixture.open(fixture.builder().connections(2), TWO_AT_ONCE);
        CompletableFuture<Artifact> running = first.fetch(request).toFuture();
        Await.until("two ranges stalled", () -> fixture.origin.stalled() == 2);
        first.close();
        assertThat(running).isCompletedExceptionally();
        return ranges();
    }

    private List<long[]> ranges() {
        assertThat(CacheFiles.parts(fixture.root())).hasSize(1);
        return CacheFiles.recordedRanges(fixture.root());
    }

    private long checkpoint() {
        List<String> checkpoints = CacheFiles.sidecarField(fixture.root(), "checkpoint=");
        assertThat(checkpoints).as("a checkpoint in the sidecar").hasSize(1);
        return Long.parseLong(checkpoints.get(0).split(" ")[0]);
    }

    private static long total(List<long[]> spans) {
        return spans.stream().mapToLong(s -> s[1] - s[0]).sum();
    }

    private static String describe(OriginRequest r) {
        return "bytes " + r.offset() + "-" + (r.end() - 1);
    }

    private static String describe(long[] span) {
        return "bytes " + span[0] + "-" + (span[1] - 1);
    }
}
