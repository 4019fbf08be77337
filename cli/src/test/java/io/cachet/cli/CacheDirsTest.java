package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheDirsTest {
    private static final Path HOME = Path.of("/home/ada");
    private static final Map<String, String> BOTH =
            Map.of("CACHET_CACHE_DIR", "/srv/cachet", "XDG_CACHE_HOME", "/var/xdg");

    @Test
    void theFlagComesFirst() {
        assertThat(CacheDirs.resolve(Path.of("/tmp/flag"), BOTH, HOME)).isEqualTo(Path.of("/tmp/flag"));
    }

    @Test
    void thenCachetCacheDir() {
        assertThat(CacheDirs.resolve(null, BOTH, HOME)).isEqualTo(Path.of("/srv/cachet"));
    }

    @Test
    void thenXdgCacheHomeSlashCachet() {
        assertThat(CacheDirs.resolve(null, Map.of("XDG_CACHE_HOME", "/var/xdg"), HOME))
                .isEqualTo(Path.of("/var/xdg/cachet"));
    }

    @Test
    void thenDotCacheInHome() {
        assertThat(CacheDirs.resolve(null, Map.of(), HOME)).isEqualTo(Path.of("/home/ada/.cache/cachet"));
    }

    @Test
    void emptyVariablesCountAsUnset() {
        Map<String, String> empty = Map.of("CACHET_CACHE_DIR", "", "XDG_CACHE_HOME", "  ");
        assertThat(CacheDirs.resolve(null, empty, HOME)).isEqualTo(Path.of("/home/ada/.cache/cachet"));
    }

    @Test
    void aRelativeXdgCacheHomeIsIgnoredAsTheSpecificationSays() {
        assertThat(CacheDirs.resolve(null, Map.of("XDG_CACHE_HOME", "relative/xdg"), HOME))
                .isEqualTo(Path.of("/home/ada/.cache/cachet"));
    }

    @Test
    void relativeFlagsAndVariablesBecomeAbsolute() {
        assertThat(CacheDirs.resolve(Path.of("rel"), Map.of(), HOME))
                .isEqualTo(Path.of("rel").toAbsolutePath());
        assertThat(CacheDirs.resolve(null, Map.of("CACHET_CACHE_DIR", "rel2"), HOME))
                .isEqualTo(Path.of("rel2").toAbsolutePath());
    }
}
