package io.cachet.cli;

import io.cachet.FetchRequest;
import io.cachet.Key;
import io.cachet.Removal;
import io.cachet.spi.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cachet rm KEY|URL...}: remove keys from the cache. */
@Command(
        name = "rm",
        mixinStandardHelpOptions = true,
        description = {
            "Removes keys from the cache: the next fetch of each downloads it again.",
            "",
            "A key is a name given with --key, or a URL as fetched without one. Its blob is deleted too unless another"
                    + " key names the same bytes, or a process holds it in use (then gc deletes it later). A key being"
                    + " fetched, by this or another process, is left alone (exit 8): run rm again once that fetch is done."
        },
        footer = {
            "",
            "stdout: one line per KEY|URL, in order: 'removed KEY' (with what became of its blob) or 'not cached KEY';"
                    + " with --json one object each:",
            "  {\"key\",\"outcome\": \"removed\"|\"not_cached\"|\"busy\",\"sha256\",\"size\","
                    + "\"blob\": \"deleted\"|\"kept_shared\"|\"kept_in_use\"|\"none\"}",
            "Exit code: 0 when every key was removed or was not cached; 8 when a key was being fetched; 2 for a KEY or"
                    + " URL that is not valid (then nothing is removed); 5 on a storage failure."
        })
final class RmCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(arity = "1..*", paramLabel = "KEY|URL", description = "The keys to remove: names or URLs.")
    List<String> keys = new ArrayList<>();

    @Mixin
    Options.CacheDir cacheDir;

    @Mixin
    Options.JsonOutput json;

    @Mixin
    Options.Debug output;

    RmCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        List<Removal> removals;
        try {
            List<Key> parsed = new ArrayList<>();
            for (String key : keys) {
                parsed.add(parse(key));
            }
            removals = Session.onExistingCache(
                            io,
                            cacheDir,
                            cache -> cache.remove(parsed.toArray(Key[]::new)).collectList())
                    .orElseGet(() -> parsed.stream() // Nothing to remove, and nothing to create.
                            .map(k -> new Removal(k, Removal.Outcome.NOT_CACHED, null, -1, Removal.Blob.NONE))
                            .toList());
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "cannot remove from the cache", e, output.debug);
        }
        int code = ExitCodes.OK;
        for (Removal removal : removals) {
            if (removal.outcome() == Removal.Outcome.BUSY) {
                code = ExitCodes.BUSY;
                io.err()
                        .println(
                                Messages.line(
                                        "cachet: cannot remove " + removal.key() + ": it is being fetched, by"
                                                + " this or another process; nothing was changed. Run rm again once that fetch is done."));
            }
            if (json.json) {
                io.out().println(json(removal));
            } else if (removal.outcome() != Removal.Outcome.BUSY) {
                io.out().println(Messages.line(text(removal)));
            }
        }
        io.out().flush();
        io.err().flush();
        return code;
    }

    /** A URL (anything with a scheme) names the key fetching it without --key made; else a name. */
    private static Key parse(String text) {
        return text.contains("://") ? FetchRequest.of(text).key() : Key.of(text);
    }

    private static String text(Removal removal) {
        if (removal.outcome() == Removal.Outcome.NOT_CACHED) {
            return "not cached " + removal.key();
        }
        String blob = switch (removal.blob()) {
            case DELETED -> "its blob deleted (" + Text.bytes(removal.size()) + ")";
            case KEPT_SHARED -> "its blob kept: another key names the same bytes";
            case KEPT_IN_USE -> "its blob kept while in use: gc deletes it later";
            case NONE -> "its blob was already gone";
        };
        return "removed " + removal.key() + "; " + blob;
    }

    private static String json(Removal removal) {
        return Json.object()
                .put("key", removal.key().value())
                .put("outcome", removal.outcome().name().toLowerCase(Locale.ROOT))
                .put(
                        "sha256",
                        removal.sha256() == null ? null : removal.sha256().hex())
                .put("size", removal.size())
                .put("blob", removal.blob().name().toLowerCase(Locale.ROOT))
                .toString();
    }
}
