package io.cachet.redis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerTest {
    @Test
    void withoutRedisServerTheTestsFailSayingHowToInstallIt(@TempDir Path dir) {
        assertThatThrownBy(() -> RedisServer.binary(null, List.of(dir.resolve("redis-server"))))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("redis-server is not installed")
                .hasMessageContaining("apt-get install redis-server");
    }

    @Test
    void aConfiguredBinaryThatIsNotThereIsNamed(@TempDir Path dir) {
        String missing = dir.resolve("nowhere").toString();

        assertThatThrownBy(() -> RedisServer.binary(missing, List.of())).hasMessageContaining(missing);
    }

    @Test
    void theServerIsFoundOnThisMachine() {
        assertThat(Path.of(RedisServer.binary())).isExecutable();
    }

    @Test
    void aKilledServerRestartsOnTheSamePortEmpty() {
        try (RedisServer redis = new RedisServer().start()) {
            int port = redis.port();
            redis.command("SET", "k", "v");

            redis.kill();
            assertThat(redis.isRunning()).isFalse();
            redis.restart();

            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.command("GET", "k")).isNull();
        }
    }
}
