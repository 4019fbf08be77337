package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.FetchRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cachet fetch URL}: one artifact, its verified path on stdout. */
@Command(
        name = "fetch",
        mixinStandardHelpOptions = true,
        description = {
            "Fetches one artifact into the cache and prints the absolute path of the verified file.",
            "",
            "If another process is downloading it, waits for that download (showing its progress) instead of starting"
                    + " another. With --sha256 the bytes must hash to it, or nothing is committed (exit 3).",
            "",
            "A large file from a server that serves ranges is fetched over several connections at once (see"
                    + " --connections). With --sha256, --mirror names other servers of the same file: used when the URL"
                    + " fails, and for ranges at the same time; one that fails or serves other bytes is dropped.",
            "",
            "With -o PATH the verified bytes are also put at PATH, which is printed instead: a hard link to the cached"
                    + " file when PATH is on the cache's file system, so READ-ONLY like it (never write to it: copy it"
                    + " first), else a copy. PATH is replaced only by verified bytes and never holds a partial file."
        },
        footer = {
            "",
            "stdout: the path (PATH with -o), one line; with --json one object:",
            "  {\"key\",\"url\",\"path\",\"sha256\",\"size\","
                    + " \"source\": \"hit\"|\"download\"|\"resumed\"|\"waited\"|\"tier\",",
            "   \"connections\": most at once (0 if nothing was downloaded), \"sources\": [the URLs bytes came from]}",
            "  and \"output\": PATH with -o.",
            "With --cluster and --tier, one host of a fleet downloads, the others wait for it (\"waited\") or read the"
                    + " tier (\"tier\"); a Redis or S3 that fails only costs a warning: each host then downloads itself.",
            "Exit codes: 0 ok, 2 invalid request, 3 integrity, 4 origin, 5 storage, 6 lock timeout, 7 offline and not"
                    + " cached (see 'cachet --help')."
        })
final class FetchCommand implements Callable<Integer> {
    private final Io io;

    @Parameters(index = "0", paramLabel = "URL", description = "An http, https or file URL.")
    String url;

    @Option(names = "--sha256", paramLabel = "HEX", description = "The expected SHA-256, 64 hex characters.")
    @Nullable
    String sha256;

    @Option(
            names = "--size",
            paramLabel = "BYTES",
            converter = Options.SizeConverter.class,
            description = "The expected size: 1048576, 64KiB, 10MiB, 2GiB.")
    @Nullable
    Long size;

    @Option(names = "--key", paramLabel = "NAME", description = "Cache it under this name instead of the URL.")
    @Nullable
    String key;

    @Option(
            names = "--header",
            paramLabel = "'Name: value'",
            converter = Options.HeaderConverter.class,
            description =
                    "An extra request header, such as credentials; repeatable. Never sent to another host on redirect.")
    List<Map.Entry<String, String>> headers = new ArrayList<>();

    @Option(
            names = "--mirror",
            paramLabel = "URL",
            description = "Another URL of the same file; repeatable, tried in order. Needs --sha256, which is what"
                    + " proves a mirror's bytes. --header values are never sent to a mirror.")
    List<String> mirrors = new ArrayList<>();

    @Option(
            names = "--verify-hit",
            description = "Re-hash the artifact if it is already cached (a hit is otherwise trusted: it was verified"
                    + " when stored); a file changed on disk is then quarantined and downloaded again.")
    boolean verifyHit;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "PATH",
            description = "Also put the verified file at PATH (its directory must exist), and print PATH: a read-only"
                    + " hard link on the cache's file system, else a copy.")
    @Nullable
    Path outputPath;

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

    FetchCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        Session session = null;
        try {
            FetchRequest request = request();
            session = Session.forFetching(io, cacheDir, network, cap, fleet);
            Path target = outputPath == null ? null : outputPath.toAbsolutePath();
            Artifact artifact;
            Transfers transfers = Transfers.watch(session.cache());
            try (transfers;
                    Progress progress = Progress.start(io, session.cache(), output.showProgress(io), 1)) {
                try {
                    artifact = Session.await(
                            target == null
                                    ? session.cache().fetch(request)
                                    : session.cache().fetchTo(request, target));
                } catch (RuntimeException e) {
                    progress.failed();
                    throw e;
                }
                progress.finished(artifact);
                progress.close(true);
            }
            session.close();
            io.out().println(Results.line(request, artifact, target, json.json, transfers.of(request.key())));
            io.out().flush();
            return ExitCodes.OK;
        } catch (RuntimeException e) {
            if (session != null) {
                if (session.stopping()) {
                    return ExitCodes.INTERNAL; // Stopped by a signal; the JVM exits with its own status.
                }
                session.close();
            }
            return Errors.report(io.err(), "cannot fetch " + Messages.url(url), e, output.debug);
        }
    }

    private FetchRequest request() {
        FetchRequest request = FetchRequest.of(url);
        if (sha256 != null) {
            request = request.withSha256(sha256);
        }
        if (size != null) {
            request = request.withSize(size);
        }
        if (key != null) {
            request = request.withKey(key);
        }
        for (Map.Entry<String, String> header : headers) {
            request = request.withHeader(header.getKey(), header.getValue());
        }
        if (!mirrors.isEmpty()) {
            if (sha256 == null) {
                throw new UsageException("--mirror needs --sha256: only the pinned digest proves that a mirror serves"
                        + " the same bytes; add --sha256 HEX, or leave the mirrors out");
            }
            request = request.withMirrors(Mirrors.parse(mirrors));
        }
        return request.withVerifyHit(verifyHit);
    }
}
