package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.reactor.testing.RecordedRequest;
import io.cachet.reactor.testing.Served;
import io.cachet.testing.Bytes;
import io.cachet.testing.EventRecorder;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/architecture.md, "Parallel ranges" and "Mirrors", over real HTTP (docs/reliability.md N22 and
 * N24 to N27): bounded {@code Range} requests with {@code If-Range}, against a server limited per
 * connection, counting the bytes it sent.
 */
class ParallelRangesTest extends EndToEnd {
    private static final int SIZE = 8 * 1024 * 1024;
    private static final byte[] BODY = Bytes.random(SIZE, 81);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
    /**
     * Per connection: one alone would take 4 s, so a download starts in ranges well before its end
     * however loaded the machine (each doubling of connections doubles what this server sends).
     */
    private static final long RATE = 2L * 1024 * 1024;

    @RegisterExtension
    final FaultyServer mirror = FaultyServer.onHost("127.0.0.2");

    private Cache cache() {
        return fixture.open(Cache.builder()
                .root(fixture.root())
                .origin(origin())
                .retry(fastRetries(3))
                .connections(4));
    }

    @Test
    void anOriginLimitedPerConnectionIsFetchedInBoundedRangesThatItSendsOnce() throws Exception {
        server.serve("/big.bin", Served.bytes(BODY).limitRate(RATE));
        Cache cache = cache();
        EventRecorder events = record(cache);

        Artifact artifact = cache.fetch(pinned(server.url("/big.bin"), BODY)).block(Duration.ofSeconds(40));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<RecordedRequest> asked = server.requests();
        assertThat(asked.get(0).header("Range"))
                .as("the first request is for everything")
                .isNull();
        assertThat(asked.subList(1, asked.size())).isNotEmpty().allSatisfy(r -> {
            assertThat(r.header("Range")).matches(RANGE);
            assertThat(r.header("If-Range")).isEqualTo(FaultyServer.etagOf(BODY));
        });
        assertThat(asked)
                .extracting(RecordedRequest::connection)
                .as("connections")
                .hasSizeGreaterThan(1);
        assertThat(server.bytesSent())
                .as("bytes the server sent: each once, beyond what was in flight when a range was cut")
                .isBetween((long) SIZE, SIZE + 4L * 1024 * 1024);
        assertThat(events.of(CacheEvent.Connections.class))
                .extracting(CacheEvent.Connections::connections)
                .as("connections were added")
                .anySatisfy(n -> assertThat(n).isGreaterThan(1));
        assertHoldsOnly(BODY);
    }

    @Test
    void aRangeCutMidwayIsAskedForAgainAloneFromWhereItBroke() throws Exception {
        server.serve(
                "/big.bin",
                Served.bytes(BODY)
                        .limitRate(RATE)
                        .once(a -> a.ranged() && a.first() > 0, r -> r.disconnectAfter(100_000)));
        Cache cache = cache();
        EventRecorder events = record(cache);

        Artifact artifact = cache.fetch(pinned(server.url("/big.bin"), BODY)).block(Duration.ofSeconds(40));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<RecordedRequest> ranges = server.requests().stream()
                .filter(r -> r.header("Range") != null)
                .toList();
        long[] cut = range(ranges.get(0));
        assertThat(ranges)
                .as("the rest of the cut range, alone, from where it broke")
                .anySatisfy(r -> {
                    long[] asked = range(r);
                    assertThat(asked[0]).isEqualTo(cut[0] + 100_000);
                    assertThat(asked[1]).isLessThanOrEqualTo(cut[1]);
                });
        assertThat(events.of(CacheEvent.Retrying.class)).hasSize(1);
        assertThat(server.bytesSent()).as("nothing else sent twice").isLessThan(SIZE + 4L * 1024 * 1024);
        assertHoldsOnly(BODY);
    }

    @Test
    void anOriginThatStopsServingRangesMidDownloadEndsAsOneStreamWithTheRightBytes() throws Exception {
        server.serve("/big.bin", Served.bytes(BODY).limitRate(RATE).ignoreRangesAfter(1));
        Cache cache = cache();

        Artifact artifact = cache.fetch(pinned(server.url("/big.bin"), BODY)).block(Duration.ofSeconds(40));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<RecordedRequest> asked = server.requests();
        RecordedRequest last = asked.get(asked.size() - 1);
        assertThat(last.header("Range") == null || last.header("Range").endsWith("-"))
                .as("one stream at the end: %s", last)
                .isTrue();
        assertHoldsOnly(BODY);
    }

    @Test
    void anArtifactWhoseValidatorsChangeMidDownloadStartsOverAsOneStream() throws Exception {
        server.serve("/big.bin", Served.bytes(BODY).limitRate(RATE).newVersionAfter(1, BODY));
        Cache cache = cache();

        Artifact artifact = cache.fetch(FetchRequest.of(server.url("/big.bin"))).block(Duration.ofSeconds(40));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        List<RecordedRequest> asked = server.requests();
        assertThat(asked.get(asked.size() - 1).header("Range"))
                .as("started over")
                .isNull();
        assertHoldsOnly(BODY);
    }

    @Test
    void aMirrorServingWrongBytesNeverReachesTheFinalPath() throws Exception {
        byte[] other = Bytes.random(SIZE, 82); // Same size, other bytes: every range from it is wrong.
        server.serve("/big.bin", Served.bytes(BODY).limitRate(RATE));
        mirror.serve("/pub/big.bin", Served.bytes(other).limitRate(RATE));
        Cache cache = cache();
        EventRecorder events = record(cache);
        URI mirrorUri = mirror.url("/pub/big.bin");

        Artifact artifact = cache.fetch(pinned(server.url("/big.bin"), BODY)
                        .withHeader("Authorization", "Bearer s3cret")
                        .withMirrors(mirrorUri))
                .block(Duration.ofSeconds(40));

        assertThat(Files.readAllBytes(artifact.path())).isEqualTo(BODY);
        assertThat(mirror.requestCount()).as("ranges went to the mirror").isPositive();
        assertThat(mirror.requests())
                .allSatisfy(r -> assertThat(r.header("Authorization")).isNull());
        assertThat(events.of(CacheEvent.Retrying.class))
                .anySatisfy(r -> assertThat(r.cause()).isInstanceOf(io.cachet.IntegrityException.class));
        assertHoldsOnly(BODY);
    }

    /** The first and last byte a request's {@code Range} asks for, the last one exclusive. */
    private static long[] range(RecordedRequest r) {
        Matcher m = RANGE.matcher(r.header("Range"));
        assertThat(m.matches()).as("a bounded range: %s", r).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) + 1};
    }
}
