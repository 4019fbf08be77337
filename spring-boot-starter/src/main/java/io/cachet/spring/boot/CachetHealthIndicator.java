package io.cachet.spring.boot;

import io.cachet.Cache;
import io.cachet.spi.Text;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.util.unit.DataSize;

/**
 * The cache's health: UP while its directory exists, is writable and has at least the configured
 * free space ({@code cachet.health.min-free-space}), else DOWN saying which. Details: the directory,
 * whether it is writable, the free bytes and the threshold. Reads only file-system metadata.
 */
public class CachetHealthIndicator extends AbstractHealthIndicator {
    private final Cache cache;
    private final DataSize minFreeSpace;

    /** The health of {@code cache}, DOWN below {@code minFreeSpace} free. */
    public CachetHealthIndicator(Cache cache, DataSize minFreeSpace) {
        super("Cachet health check failed");
        this.cache = cache;
        this.minFreeSpace = minFreeSpace;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Path root = cache.root();
        builder.withDetail("root", root.toString());
        if (!Files.isDirectory(root)) {
            builder.down().withDetail("error", "the cache directory is missing");
            return;
        }
        FileStore store = Files.getFileStore(root);
        long free = store.getUsableSpace();
        boolean writable = Files.isWritable(root) && !store.isReadOnly();
        builder.withDetail("writable", writable)
                .withDetail("free", free)
                .withDetail("threshold", minFreeSpace.toBytes());
        if (!writable) {
            builder.down().withDetail("error", "the cache directory is not writable: nothing new can be cached");
        } else if (free < minFreeSpace.toBytes()) {
            builder.down()
                    .withDetail(
                            "error",
                            "only " + Text.bytes(free) + " free, less than cachet.health.min-free-space ("
                                    + Text.bytes(minFreeSpace.toBytes()) + ")");
        } else {
            builder.up();
        }
    }
}
