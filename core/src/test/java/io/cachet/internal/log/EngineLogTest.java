package io.cachet.internal.log;

import static io.cachet.testing.FaultyOrigin.Response.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.Cache;
import io.cachet.FetchRequest;
import io.cachet.testing.Await;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheFixture;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every cache logs without being asked: the engine's own lines, through SLF4J (slf4j-simple here,
 * which writes to standard error), under the logger {@code io.cachet.Cache}.
 */
@Timeout(60)
class EngineLogTest {
    @RegisterExtension
    final CacheFixture fixture = new CacheFixture();

    @Test
    void aCacheLogsItsDownloadsUnderTheLoggerIoCachetCache() {
        byte[] body = Bytes.random(300_000, 5);
        fixture.origin.enqueue(ok(body));
        Cache cache = fixture.open();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            cache.fetch(FetchRequest.of("https://origin.test/e.bin").withKey("engine-log-test"))
                    .block(Duration.ofSeconds(30));
            Await.until("the commit is logged", () -> lines(captured).size() == 2);
        } finally {
            System.setErr(original);
        }

        assertThat(lines(captured))
                .satisfiesExactly(
                        started -> assertThat(started)
                                .contains(
                                        "INFO io.cachet.Cache - download started: engine-log-test from https://origin.test/e.bin, 293.0 KiB"),
                        committed -> assertThat(committed)
                                .contains("INFO io.cachet.Cache - download committed: engine-log-test, 293.0 KiB"));
    }

    private static List<String> lines(ByteArrayOutputStream captured) {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> line.contains("engine-log-test"))
                    .toList();
        }
    }

    /** Writes to the real standard error too, so that the build's output keeps the lines. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream second;

        Tee(OutputStream first, ByteArrayOutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                first.write(b, off, len);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            synchronized (second) {
                second.write(b, off, len);
            }
        }
    }
}
