package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.Cache;
import io.cachet.FetchRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code cachet fetch-all MANIFEST}: many artifacts, a bounded number at a time. */
@Command(
        name = "fetch-all",
        mixinStandardHelpOptions = true,
        description = {
            "Fetches every artifact of a manifest and prints each verified path, in manifest order.",
            "",
            "At most --concurrency fetches run at a time. A failing line does not stop the others; each failure is"
                    + " reported on stderr.",
            "",
            "MANIFEST has one artifact a line: URL [SHA256 [KEY]] [<MIRROR>...], separated by blanks ('-' as SHA256"
                    + " leaves it unpinned). A field in angle brackets, such as <https://mirror.example/m.bin>, is a"
                    + " mirror of the artifact, used as --mirror is; a line with mirrors needs its SHA256. Blank lines"
                    + " and lines starting with '#' are skipped. '-' reads the manifest from stdin."
                    + " It is UTF-8 (a leading byte-order mark is skipped); one that is not is refused before any download.",
            "",
            "With --output-dir DIR each verified file is also put in DIR, named after the line's KEY, else the last"
                    + " segment of its URL's path, and that path is printed instead: a hard link to the cached file when DIR"
                    + " is on the cache's file system, so READ-ONLY like it (never write to it: copy it first), else a copy."
                    + " Two lines that would write one name are refused before any download."
        },
        footer = {
            "",
            "stdout: one line per artifact fetched, in manifest order (its path, or with --json one object as for fetch,"
                    + " with \"output\" under --output-dir);"
                    + " a failed line prints nothing there, or with --json, in its place:",
            "  {\"url\",\"key\",\"error\": {\"exit\": the code the line alone would exit with, \"message\"}}",
            "Exit code: the highest of its lines' codes (0 if all succeeded; see 'cachet --help')."
        })
final class FetchAllCommand implements Callable<Integer> {
    static final int DEFAULT_CONCURRENCY = 8;

    private final Io io;

    @Parameters(index = "0", paramLabel = "MANIFEST", description = "The manifest file, or - for stdin.")
    String manifest;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "" + DEFAULT_CONCURRENCY,
            description = "Fetches at a time (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
            names = "--verify-hit",
            description = "Re-hash every artifact already cached before trusting it (see fetch --verify-hit).")
    boolean verifyHit;

    @Option(
            names = "--output-dir",
            paramLabel = "DIR",
            description = "Also put each verified file in DIR (which must exist), named after the line's KEY or the"
                    + " URL's last path segment, and print that path: a read-only hard link on the cache's file"
                    + " system, else a copy.")
    @Nullable
    Path outputDir;

    @Mixin
    Options.CacheDir cacheDir;

    @Mixin
    Options.Network network;

    @Mixin
    Options.Fleet fleet;

    @Mixin
    Options.Cap cap;

    @Mixin
    Options.JsonOutput json;

    @Mixin
    Options.Output output;

    FetchAllCommand(Io io) {
        this.io = io;
    }

    /** What became of one manifest line. */
    private record Outcome(
            Manifest.Line line,
            @Nullable Artifact artifact,
            @Nullable Throwable error) {
        /** Why there is no artifact. */
        Throwable failure() {
            return error != null
                    ? error
                    : new IllegalStateException("line " + line.number() + " ended without an artifact or an error");
        }

        /** Tells the progress display that this line is done. */
        void countIn(Progress progress) {
            if (artifact != null) {
                progress.finished(artifact);
            } else {
                progress.failed();
            }
        }
    }

    @Override
    public Integer call() {
        List<Manifest.Line> lines;
        Map<Integer, Path> outputs;
        Session session;
        try {
            if (concurrency < 1) {
                throw new UsageException("--concurrency must be at least 1: " + concurrency);
            }
            lines = Manifest.read(readManifest());
            outputs = outputDir == null ? Map.of() : OutputNames.assign(outputDir, lines);
            session = Session.forFetching(io, cacheDir, network, cap, fleet);
        } catch (RuntimeException e) {
            return Errors.report(io.err(), "cannot run fetch-all", e, output.debug);
        }
        int code = ExitCodes.OK;
        try (session;
                Transfers transfers = Transfers.watch(session.cache());
                Progress progress = Progress.start(io, session.cache(), output.showProgress(io), lines.size())) {
            Cache cache = session.cache();
            // Each line counts as done when it ends, whatever its place; results print in manifest order.
            Iterable<Outcome> outcomes = Flux.fromIterable(lines)
                    .flatMapSequential(
                            line -> fetch(cache, line, outputs.get(line.number()))
                                    .doOnNext(o -> o.countIn(progress)),
                            concurrency,
                            1)
                    .toIterable(1);
            for (Outcome outcome : outcomes) {
                Artifact artifact = outcome.artifact();
                FetchRequest request = outcome.line().request();
                if (artifact != null && request != null) {
                    String result = Results.line(
                            request,
                            artifact,
                            outputs.get(outcome.line().number()),
                            json.json,
                            transfers.of(request.key()));
                    progress.print(() -> io.out().println(result));
                } else {
                    if (session.stopping()) {
                        return ExitCodes.INTERNAL; // Stopped by a signal; the JVM exits with its own status.
                    }
                    code = ExitCodes.mostSevere(code, failed(outcome, progress));
                }
            }
            progress.close(true);
        }
        return code;
    }

    /** Reports a failed line on stderr (and with {@code --json} on stdout) and returns its exit code. */
    private int failed(Outcome outcome, Progress progress) {
        Manifest.Line line = outcome.line();
        Throwable failure = outcome.failure();
        int[] lineCode = new int[1];
        progress.print(() -> {
            lineCode[0] = Errors.report(
                    io.err(),
                    "line " + line.number() + ": cannot fetch " + Messages.url(line.url()),
                    failure,
                    output.debug);
            if (json.json) {
                io.out().println(Results.failure(line, lineCode[0], Errors.summary(failure)));
            }
        });
        return lineCode[0];
    }

    private Mono<Outcome> fetch(Cache cache, Manifest.Line line, @Nullable Path output) {
        FetchRequest request = line.request();
        if (request == null) {
            return Mono.just(new Outcome(line, null, line.error()));
        }
        FetchRequest checked = request.withVerifyHit(verifyHit);
        return (output == null ? cache.fetch(checked) : cache.fetchTo(checked, output))
                .map(artifact -> new Outcome(line, artifact, null))
                .onErrorResume(e -> Mono.just(new Outcome(line, null, e)));
    }

    private byte[] readManifest() {
        try {
            if (manifest.equals("-")) {
                return io.in().readAllBytes();
            }
            return Files.readAllBytes(Path.of(manifest));
        } catch (NoSuchFileException e) {
            throw new UsageException("no manifest file " + manifest);
        } catch (IOException e) {
            throw new UsageException("cannot read the manifest " + manifest + ": " + e.getMessage());
        }
    }
}
