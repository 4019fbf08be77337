package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Bytes;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.FaultyOrigin;
import io.cachet.testing.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Memory per download is bounded whatever the artifact's size: a 512 MiB artifact streams through
 * a child JVM limited to 64 MiB of heap (and so, by default, 64 MiB of direct memory), and arrives
 * verified. A download that held the body, or an unbounded queue of chunks, would run out.
 */
@Timeout(300)
class BoundedMemoryIT {
    static final long SIZE = 512L * 1024 * 1024;
    static final long SEED = 512;

    @RegisterExtension
    final ChildJvms children = new ChildJvms();

    @Test
    void aFiveHundredMegabyteArtifactStreamsThroughSixtyFourMegabytesOfHeap() throws Exception {
        Sha256 expected = Bytes.sha256OfStream(SIZE, SEED);

        Jvm child = children.start(Jvm.main(Child.class, children.root().toString(), expected.hex()));

        assertThat(child.awaitExit(Duration.ofMinutes(4)))
                .as(child.name() + " exit status")
                .isZero();
        assertThat(child.lines("FETCHED "))
                .singleElement()
                .asString()
                .startsWith("FETCHED " + expected.hex() + " " + SIZE);
        Path blob = children.root().resolve("blobs/sha256/" + expected.hex().substring(0, 2) + "/" + expected.hex());
        assertThat(Files.size(blob)).isEqualTo(SIZE);
    }

    /** Fetches the generated artifact into the cache at {@code args[0]}, pinned to {@code args[1]}. */
    public static final class Child {
        public static void main(String[] args) {
            FaultyOrigin origin = new FaultyOrigin()
                    .enqueue(FaultyOrigin.Response.generated(SIZE, SEED).chunks(64 * 1024));
            try (Cache cache =
                    Cache.builder().root(Path.of(args[0])).origin(origin).build()) {
                Artifact artifact = cache.fetch(FetchRequest.of("https://origin.test/huge")
                                .withSha256(args[1])
                                .withSize(SIZE))
                        .block(Duration.ofMinutes(3));
                System.out.println("FETCHED " + artifact.sha256() + " " + artifact.size() + " maxHeap="
                        + Runtime.getRuntime().maxMemory());
            }
        }
    }
}
