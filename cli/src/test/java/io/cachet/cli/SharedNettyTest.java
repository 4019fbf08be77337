package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Sha256;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.testing.Bytes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI's process does with reactor-netty's shared resources when a command ends. */
@Timeout(60)
class SharedNettyTest {
    static final byte[] BODY = Bytes.random(100_000, 5);
    static final Sha256 SHA = Bytes.sha256(BODY);

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    @TempDir
    Path tmp;

    @Test
    void theSharedEventLoopsThatAFetchStartedAreGoneAfterTheyAreStopped() throws Exception {
        server.serve("/a.bin", BODY);
        TestIo cli = new TestIo().env("CACHET_CACHE_DIR", tmp.toString()).home(tmp);
        assertThat(cli.run("fetch", server.url("/a.bin").toString(), "--sha256", SHA.hex(), "--quiet"))
                .as(cli.err())
                .isZero();
        List<Thread> loops = sharedLoopThreads();
        assertThat(loops)
                .as("the fetch ran on reactor-netty's shared event loops")
                .isNotEmpty();

        SharedNetty.stopEventLoops();

        for (Thread loop : loops) {
            loop.join(10_000);
            assertThat(loop.isAlive()).as(loop.getName() + " stopped").isFalse();
        }
    }

    /** reactor-netty names its shared client loops {@code reactor-http-epoll-N} (or nio, kqueue). */
    private static List<Thread> sharedLoopThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("reactor-http-"))
                .filter(Thread::isAlive)
                .toList();
    }
}
