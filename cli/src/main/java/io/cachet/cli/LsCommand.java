package io.cachet.cli;

import io.cachet.CacheEntry;
import io.cachet.Sha256;
import io.cachet.spi.Text;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cachet ls}: what the cache holds. */
@Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description = "Lists every key in the cache with its digest, size and last use, then the total size."
                + " A cache directory that does not exist is listed as empty, and not created.",
        footer = {
            "",
            "Columns: SHA256, SIZE, LAST USED (local time), KEY, then notes: 'unpinned' (the digest was trusted on"
                    + " first use, not given), 'missing' (the blob was evicted or quarantined; the next fetch downloads it).",
            "With --json, one object per key: {\"key\",\"url\",\"sha256\",\"size\",\"path\",\"last_used\",\"pinned\",\"present\"}"
                    + " and no total."
        })
final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

    private final Io io;

    @Mixin
    Options.CacheDir cacheDir;

    @Mixin
    Options.JsonOutput json;

    @Mixin
    Options.Debug output;

    LsCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        List<CacheEntry> entries;
        Path root;
        String note = "";
        try {
            root = cacheDir.resolve(io);
            boolean shared = cacheDir.sharedWithGroup(io);
            if (Files.exists(root)) {
                try (Session session = Session.forMaintenance(io, root, shared)) {
                    root = session.cache().root();
                    entries = Session.await(session.cache().entries().collectList());
                }
            } else {
                entries = new ArrayList<>(); // Listing creates nothing: no directory, nothing in it.
                note = " (no cache there yet)";
            }
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "cannot list the cache", e, output.debug);
        }
        entries.sort(Comparator.comparing((CacheEntry e) -> e.key().value()));
        StringBuilder b = new StringBuilder();
        if (json.json) {
            for (CacheEntry e : entries) {
                b.append(Json.object()
                                .put("key", e.key().value())
                                .put("url", e.url())
                                .put("sha256", e.sha256().hex())
                                .put("size", e.size())
                                .put("path", e.path().toString())
                                .put("last_used", e.lastUsed().toString())
                                .put("pinned", e.pinned())
                                .put("present", e.present()))
                        .append('\n');
            }
        } else {
            if (!entries.isEmpty()) {
                b.append(String.format(Locale.ROOT, "%-64s  %10s  %-16s  %s%n", "SHA256", "SIZE", "LAST USED", "KEY"));
            }
            Map<Sha256, Long> blobs = new HashMap<>();
            for (CacheEntry e : entries) {
                String notes = (e.pinned() ? "" : "  unpinned") + (e.present() ? "" : "  missing");
                b.append(String.format(
                        Locale.ROOT,
                        "%s  %10s  %-16s  %s%s%n",
                        e.sha256().hex(),
                        Text.bytes(e.size()),
                        WHEN.format(e.lastUsed()),
                        e.key().value(),
                        notes));
                if (e.present()) {
                    blobs.put(e.sha256(), e.size());
                }
            }
            long total = blobs.values().stream().mapToLong(Long::longValue).sum();
            b.append(String.format(
                    Locale.ROOT,
                    "%d %s, %d %s, %s in %s%s%n",
                    entries.size(),
                    entries.size() == 1 ? "key" : "keys",
                    blobs.size(),
                    blobs.size() == 1 ? "blob" : "blobs",
                    Text.bytes(total),
                    root,
                    note));
        }
        io.out().print(b);
        io.out().flush();
        return ExitCodes.OK;
    }
}
