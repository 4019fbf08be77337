package io.cachet.cli;

import io.cachet.BlobCheck;
import io.cachet.spi.Text;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cachet verify}: re-hash every blob; quarantine the corrupt ones. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Re-hashes every blob in the cache and quarantines the corrupt ones.",
            "",
            "A blob whose bytes no longer match its digest is moved to quarantine/"
                    + " (under the locks of its keys, never from under a process using them), so the next fetch downloads"
                    + " it again."
        },
        footer = {
            "",
            "stdout: one line per corrupt blob, then a summary; with --json one object per blob:",
            "  {\"sha256\",\"size\",\"intact\",\"actual_sha256\",\"quarantined_to\"}",
            "Exit code: 0 if every blob is intact; 3 if any was corrupt (a second run then exits 0, as the corrupt"
                    + " blobs are in quarantine/); 5 if the cache cannot be read."
        })
final class VerifyCommand implements Callable<Integer> {
    private final Io io;

    @Mixin
    Options.CacheDir cacheDir;

    @Mixin
    Options.JsonOutput json;

    @Mixin
    Options.Debug output;

    VerifyCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        List<BlobCheck> checks;
        String note = "";
        try {
            Optional<List<BlobCheck>> found = Session.onExistingCache(
                    io, cacheDir, cache -> cache.verify().collectList());
            checks = found.orElse(List.of()); // Nothing to verify, and nothing to create.
            note = found.isPresent() ? "" : " (no cache at " + cacheDir.resolve(io) + " yet)";
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "cannot verify the cache", e, output.debug);
        }
        StringBuilder b = new StringBuilder();
        int corrupt = 0;
        long bytes = 0;
        for (BlobCheck c : checks) {
            bytes += c.size();
            if (json.json) {
                b.append(Json.object()
                                .put("sha256", c.sha256().hex())
                                .put("size", c.size())
                                .put("intact", c.intact())
                                .put("actual_sha256", c.actualSha256().hex())
                                .put(
                                        "quarantined_to",
                                        c.quarantinedTo() == null
                                                ? null
                                                : c.quarantinedTo().toString()))
                        .append('\n');
            }
            if (!c.intact()) {
                corrupt++;
                if (!json.json) {
                    b.append("corrupt ")
                            .append(c.sha256().hex())
                            .append(" (")
                            .append(Text.bytes(c.size()))
                            .append("): its bytes hash to ")
                            .append(c.actualSha256().hex())
                            .append("; ")
                            .append(
                                    c.quarantinedTo() == null
                                            ? "in use by another process, left in place; run verify again"
                                            : "moved to " + c.quarantinedTo())
                            .append('\n');
                }
            }
        }
        if (!json.json) {
            b.append(String.format(
                    Locale.ROOT,
                    "verified %d %s (%s): %d intact, %d corrupt%s%n",
                    checks.size(),
                    checks.size() == 1 ? "blob" : "blobs",
                    Text.bytes(bytes),
                    checks.size() - corrupt,
                    corrupt,
                    note));
        }
        io.out().print(b);
        io.out().flush();
        return corrupt == 0 ? ExitCodes.OK : ExitCodes.INTEGRITY;
    }
}
