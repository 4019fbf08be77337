package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Served;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheAudit;
import io.cachet.testing.CacheFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet fetch --connections N} as separate processes against a server limited per
 * connection (docs/architecture.md, "Parallel ranges" and "Resume"): a process killed with {@code
 * kill -9} mid-ranges leaves the ranges it recorded, and the next asks the server only for the
 * rest; two processes, one with 8 connections, still make one download.
 */
@Timeout(180)
class RangesIT {
    static final int SIZE = 32 * 1024 * 1024;
    static final byte[] BODY = Bytes.random(SIZE, 91);
    static final Sha256 SHA = Bytes.sha256(BODY);
    /** Per connection: one alone would take 16 s; the ranges make it a few seconds. */
    static final long RATE = 2L * 1024 * 1024;

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    private Path cache() {
        return tmp.resolve("cache");
    }

    private String[] fetch(String... more) {
        return Stream.concat(
                        Stream.of("fetch", server.url("/model.bin").toString(), "--sha256", SHA.hex(), "--json"),
                        Stream.concat(Stream.of(more), Stream.of("--cache-dir", cache().toString())))
                .toArray(String[]::new);
    }

    @Test
    void aFetchKilledMidRangesIsResumedByTheNextWhichAsksTheServerOnlyForTheMissingBytes() throws Exception {
        server.serve("/model.bin", Served.bytes(BODY).limitRate(RATE));
        CachetProcess first = CachetProcess.start(tmp, fetch("--connections", "4"));
        List<long[]> recorded = awaitRecorded(SIZE / 4, first);

        first.process().destroyForcibly();
        first.await();
        recorded = ranges(); // What the sidecar says after the kill: all that a resume may keep.
        long kept = recorded.stream().mapToLong(r -> r[1] - r[0]).sum();
        int before = server.requestCount();
        CachetProcess rerun = CachetProcess.run(tmp, fetch("--connections", "4"));

        assertThat(rerun.code()).as(rerun.toString()).isZero();
        Map<String, Object> result = MiniJson.parse(rerun.out());
        assertThat(result).containsEntry("source", "resumed");
        assertThat(Files.readAllBytes(Path.of((String) result.get("path")))).isEqualTo(BODY);
        List<RecordedRequest> after = server.requests().subList(before, server.requestCount());
        for (RecordedRequest r : after) {
            long[] asked = asked(r);
            for (long[] span : recorded) {
                assertThat(asked[1] <= span[0] || asked[0] >= span[1])
                        .as("%s asks nothing of the recorded bytes %d-%d", r, span[0], span[1] - 1)
                        .isTrue();
            }
        }
        long sent = after.stream().mapToLong(RecordedRequest::bytesSent).sum();
        assertThat(sent)
                .as("bytes the server sent after the kill: the missing ones (and a slice per range cut)")
                .isBetween(SIZE - kept, SIZE - kept + 1024 * 1024);
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    @Test
    void twoProcessesOneWithEightConnectionsStillMakeOneDownload() throws Exception {
        server.serve("/model.bin", Served.bytes(BODY).limitRate(RATE));
        CachetProcess eight = CachetProcess.start(tmp, fetch("--connections", "8"));
        CachetProcess one = CachetProcess.start(tmp, fetch());

        assertThat(eight.await()).as(eight.toString()).isZero();
        assertThat(one.await()).as(one.toString()).isZero();

        List<Map<String, Object>> results = List.of(MiniJson.parse(eight.out()), MiniJson.parse(one.out()));
        assertThat(results)
                .extracting(r -> r.get("path"))
                .containsOnly(results.get(0).get("path"));
        assertThat(results).extracting(r -> r.get("source")).containsOnlyOnce("download");
        assertThat(server.bytesSent())
                .as("the artifact was sent once, whoever downloaded it")
                .isBetween((long) SIZE, SIZE + 1024 * 1024L);
        assertThat(Files.readAllBytes(Path.of((String) results.get(0).get("path"))))
                .isEqualTo(BODY);
        assertThat(CacheAudit.problems(cache(), false)).isEmpty();
    }

    /** The bytes {@code [first, end)} a request asks for: its {@code Range}, or all of it. */
    private static long[] asked(RecordedRequest r) {
        String range = r.header("Range");
        if (range == null) {
            return new long[] {0, SIZE};
        }
        Matcher m = RANGE.matcher(range);
        assertThat(m.matches()).as("a range: %s", r).isTrue();
        return new long[] {Long.parseLong(m.group(1)), m.group(2).isEmpty() ? SIZE : Long.parseLong(m.group(2)) + 1};
    }

    /** Waits until the fetching process's sidecar records at least {@code bytes} in ranges. */
    private List<long[]> awaitRecorded(long bytes, CachetProcess process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            List<long[]> ranges = ranges();
            if (ranges.stream().mapToLong(r -> r[1] - r[0]).sum() >= bytes) {
                return ranges;
            }
            assertThat(process.process().isAlive())
                    .as("still fetching: %s", process)
                    .isTrue();
            TimeUnit.MILLISECONDS.sleep(20); // Polling a file the other process rewrites, with a deadline.
        }
        throw new AssertionError("the process never recorded " + bytes + " bytes in ranges: " + process);
    }

    private List<long[]> ranges() {
        return CacheFiles.recordedRanges(cache());
    }
}
