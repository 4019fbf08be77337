package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.internal.maintenance.Maintenance;
import io.cachet.spi.Origin;
import io.cachet.testing.Bytes;
import io.cachet.testing.CacheWorker;
import io.cachet.testing.ChildJvms;
import io.cachet.testing.Jvm;
import io.cachet.testing.LockProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases across processes (docs/reliability.md P17): a shared lock on the blob's lock file, which
 * every process's eviction takes exclusively and only if free.
 */
@Timeout(120)
class LeaseIT {
    private static final byte[] BODY = Bytes.random(300_000, 61);
    private static final Sha256 SHA = Bytes.sha256(BODY);
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildJvms jvms = new ChildJvms();

    private Path artifact() throws Exception {
        Path artifact = jvms.dir().resolve("model.bin");
        return Files.exists(artifact) ? artifact : Files.write(artifact, BODY);
    }

    private Cache cache() {
        return Cache.builder().root(jvms.root()).origin(Origin.files()).build();
    }

    @Test
    void anArtifactLeasedByAnotherProcessSurvivesGcHereAndGoesOnceTheLeaseCloses() throws Exception {
        Jvm holder = jvms.start(CacheWorker.on(
                jvms.root(), artifact(), jvms.dir().resolve("origin.log"), "--sha=" + SHA.hex(), "--lease"));
        Path blob = Path.of(holder.awaitLine("LEASED ", PATIENCE).substring("LEASED ".length()));

        try (Cache cache = cache()) {
            GcResult whileLeased = cache.gc(0, Duration.ZERO).block(PATIENCE);
            assertThat(whileLeased.blobsRemoved()).as(holder::report).isZero();
            assertThat(whileLeased.busySkipped()).isEqualTo(1);
            assertThat(Bytes.sha256(Files.readAllBytes(blob))).isEqualTo(SHA);

            holder.tell("RELEASE");
            holder.awaitLine("RELEASED", PATIENCE);
            GcResult afterwards = cache.gc(0, Duration.ZERO).block(PATIENCE);
            assertThat(afterwards.blobsRemoved()).isEqualTo(1);
            assertThat(blob).doesNotExist();
        }
        assertThat(holder.awaitExit(PATIENCE)).as(holder::report).isEqualTo(CacheWorker.OK);
    }

    @Test
    void anArtifactLeasedHereSurvivesGcInAnotherProcessWhichSeesItsBlobLockBusy() throws Exception {
        Path blob;
        try (Cache cache = cache()) {
            FetchRequest request = FetchRequest.of(artifact().toUri()).withSha256(SHA);
            try (ArtifactLease lease = cache.lease(request).block(PATIENCE)) {
                blob = lease.path();
                Jvm evicter = jvms.start(CacheWorker.on(
                        jvms.root(), artifact(), jvms.dir().resolve("origin.log"), "--sha=" + SHA.hex(), "--evict"));
                assertThat(evicter.awaitExit(PATIENCE)).as(evicter::report).isEqualTo(CacheWorker.OK);
                assertThat(evicter.lines("EVICTED ")).containsExactly("EVICTED removed=0 busy=1");
                assertThat(LockProbe.ask(jvms, jvms.root().resolve("locks/" + Maintenance.blobLockName(SHA) + ".lock")))
                        .as("an exclusive lock attempt by another process")
                        .isEqualTo("BUSY");
                assertThat(Bytes.sha256(Files.readAllBytes(blob))).isEqualTo(SHA);
            }
        }
        Jvm evicter = jvms.start(CacheWorker.on(
                jvms.root(), artifact(), jvms.dir().resolve("origin.log"), "--sha=" + SHA.hex(), "--evict"));
        assertThat(evicter.awaitExit(PATIENCE)).as(evicter::report).isEqualTo(CacheWorker.OK);
        assertThat(evicter.lines("EVICTED ")).containsExactly("EVICTED removed=1 busy=0");
        assertThat(blob).doesNotExist();
    }
}
