package io.cachet.cli;

import io.cachet.GcResult;
import io.cachet.spi.Text;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cachet gc --max-size SIZE}: evict least recently used artifacts. */
@Command(
        name = "gc",
        mixinStandardHelpOptions = true,
        description = {
            "Evicts the least recently used artifacts until the cache holds at most SIZE (blobs, part files and"
                    + " quarantined blobs all count).",
            "",
            "It first removes part files that their dead downloaders left, and quarantined blobs older than a week. It"
                    + " never deletes an artifact used less than --min-age ago (a path printed a moment ago), nor one"
                    + " in use: being fetched, or held by a program (a lease), in any process; those are skipped."
        },
        footer = {
            "",
            "stdout: one line saying what was removed and what remains; with --json one object:",
            "  {\"blobs_removed\",\"bytes_freed\",\"bytes_remaining\",\"busy_skipped\",\"parts_removed\","
                    + "\"quarantine_removed\"}",
            "Exit code: 0, also when busy or young artifacts keep the cache above SIZE (run gc again later); 5 on a"
                    + " storage failure."
        })
final class GcCommand implements Callable<Integer> {
    private final Io io;

    @Option(
            names = "--max-size",
            paramLabel = "SIZE",
            converter = Options.SizeConverter.class,
            description = "The most the cache may hold afterwards: 1048576, 64KiB, 10MiB, 2GiB. Default: $"
                    + Options.Cap.VARIABLE + "; one of them is required.")
    @Nullable
    Long maxSize;

    @Option(
            names = "--min-age",
            paramLabel = "DURATION",
            converter = Options.DurationConverter.class,
            defaultValue = "10m",
            description = "Keep artifacts used more recently than this (default: ${DEFAULT-VALUE}), so that a path"
                    + " another command printed a moment ago is not deleted before it is opened. 0 evicts them too.")
    Duration minAge;

    @Mixin
    Options.CacheDir cacheDir;

    @Mixin
    Options.JsonOutput json;

    @Mixin
    Options.Debug output;

    GcCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        GcResult r;
        String note = "";
        try {
            long max = maxSize != null
                    ? maxSize
                    : Options.Cap.fromVariable(io)
                            .orElseThrow(
                                    () -> new UsageException("give the most the cache may hold: --max-size SIZE (or "
                                            + Options.Cap.VARIABLE + "=SIZE)"));
            Optional<GcResult> collected = Session.onExistingCache(io, cacheDir, cache -> cache.gc(max, minAge));
            r = collected.orElse(new GcResult(0, 0, 0, 0, 0, 0)); // Nothing to collect, and nothing to create.
            note = collected.isPresent() ? "" : " (no cache at " + cacheDir.resolve(io) + " yet)";
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "cannot collect garbage", e, output.debug);
        }
        if (json.json) {
            io.out()
                    .println(Json.object()
                            .put("blobs_removed", r.blobsRemoved())
                            .put("bytes_freed", r.bytesFreed())
                            .put("bytes_remaining", r.bytesRemaining())
                            .put("busy_skipped", r.busySkipped())
                            .put("parts_removed", r.partsRemoved())
                            .put("quarantine_removed", r.quarantineRemoved()));
        } else {
            StringBuilder b = new StringBuilder();
            b.append("removed ")
                    .append(r.blobsRemoved())
                    .append(r.blobsRemoved() == 1 ? " blob" : " blobs")
                    .append(" (")
                    .append(Text.bytes(r.bytesFreed()))
                    .append("); ")
                    .append(Text.bytes(r.bytesRemaining()))
                    .append(" remain");
            if (r.busySkipped() > 0) {
                b.append("; ").append(r.busySkipped()).append(" in use, skipped");
            }
            if (r.partsRemoved() > 0) {
                b.append("; ")
                        .append(r.partsRemoved())
                        .append(" abandoned part ")
                        .append(r.partsRemoved() == 1 ? "file" : "files")
                        .append(" removed");
            }
            if (r.quarantineRemoved() > 0) {
                b.append("; ")
                        .append(r.quarantineRemoved())
                        .append(" quarantined ")
                        .append(r.quarantineRemoved() == 1 ? "blob" : "blobs")
                        .append(" older than a week removed");
            }
            io.out().println(b.append(note));
        }
        io.out().flush();
        return ExitCodes.OK;
    }
}
