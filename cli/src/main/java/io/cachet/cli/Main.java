package io.cachet.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cachet}: fetch verified artifacts into a cache that many processes share.
 *
 * <p>The CLI uses only Cachet's public API ({@code io.cachet}, {@code io.cachet.spi}, {@code
 * io.cachet.reactor} and {@link io.cachet.Cache#events()}); its module descriptor makes the
 * compiler hold it to that. The runnable jar runs on the class path; picocli reaches the command
 * classes by reflection, which the descriptor opens to it for the module path.
 *
 * <p>Streams: stdout holds results only (paths, or JSON lines with {@code --json}) and stays
 * empty on failure; stderr has errors, progress and summaries; logs go to stderr at warning level.
 * Exit codes: {@link ExitCodes}.
 */
@Command(
        name = "cachet",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Fetches artifacts by URL into a verified, content-addressed cache that any number of processes can share:",
            "one download per artifact however many ask, the same verified file for everyone, or a clear error."
        },
        footer = {
            "",
            "Exit codes:",
            "  0  success",
            "  1  internal error (a bug: please report it with --debug output)",
            "  2  usage error or invalid request (bad URL, key, digest, option)",
            "  3  integrity failure (digest or size mismatch; nothing committed),",
            "     or verify found corrupt blobs",
            "  4  origin failure after retries (404, 403, connection refused, 5xx)",
            "  5  storage failure (disk full, permission, read-only)",
            "  6  gave up waiting for another process's lock (--lock-timeout)",
            "  7  offline (--offline) and the artifact is not cached; no request was made",
            "  8  rm: a key is being fetched, so it was left alone",
            "  fetch-all exits with the highest code of any of its lines.",
            "",
            "Cache directory: --cache-dir, else $CACHET_CACHE_DIR, else $XDG_CACHE_HOME/cachet, else $HOME/.cache/cachet.",
            "Try 'cachet demo' to see one download shared by many callers and processes."
        })
public final class Main implements Callable<Integer> {
    private final Io io;

    @Spec
    CommandSpec spec;

    Main(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        SharedNetty.configureForShortProcess();
        int code = run(args, Io.system());
        SharedNetty.stopEventLoops();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. */
    static int run(String[] args, Io io) {
        return commandLine(io, args).execute(args);
    }

    /** The command line with every command, for help and for tests. */
    static CommandLine commandLine(Io io) {
        return commandLine(io, new String[0]);
    }

    /**
     * The command line for {@code argv}: when it starts with a command's name, with that command
     * only. picocli builds a command's model from its annotations by reflection, which is a visible
     * share of a short command's start-up; the other commands are needed only for the top-level help
     * and for suggestions after a mistyped name, and are then all there.
     */
    static CommandLine commandLine(Io io, String[] argv) {
        CommandLine cli = new CommandLine(new Main(io));
        Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
        commands.put("fetch", () -> new FetchCommand(io));
        commands.put("fetch-all", () -> new FetchAllCommand(io));
        commands.put("ls", () -> new LsCommand(io));
        commands.put("verify", () -> new VerifyCommand(io));
        commands.put("gc", () -> new GcCommand(io));
        commands.put("rm", () -> new RmCommand(io));
        commands.put("demo", () -> new DemoCommand(io));
        commands.put("train", () -> new TrainCommand(io));
        Supplier<Object> only = argv.length > 0 ? commands.get(argv[0]) : null;
        if (only != null) {
            cli.addSubcommand(argv[0], only.get());
        } else {
            commands.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setOut(new PrintWriter(io.out(), true));
        cli.setErr(new PrintWriter(io.err(), true));
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            io.err().println(Messages.line("cachet: " + e.getMessage()));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, io.err())) {
                io.err().print("  usage: " + failed.getHelp().synopsis(0));
            }
            io.err().println("  see '" + failed.getCommandSpec().qualifiedName() + " --help'");
            io.err().flush();
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, failed, parsed) ->
                Errors.report(io.err(), failed.getCommandSpec().qualifiedName() + " failed", e, true));
        return cli;
    }

    /** {@code cachet} without a command: the usage, on stderr, and exit code 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(io.err());
        return ExitCodes.USAGE;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"cachet " + (v == null ? "(development build)" : v)};
        }
    }
}
