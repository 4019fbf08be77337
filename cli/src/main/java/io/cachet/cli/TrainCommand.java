package io.cachet.cli;

import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * {@code cachet train}, hidden: the work the launcher watches once per build to record how cachet
 * starts and runs (the classes it loads, and on a JDK that has one, an ahead-of-time cache with
 * method profiles). It runs the commands people run most, through the same code, against an origin
 * of its own on 127.0.0.1 and into a temporary cache that it removes: {@code fetch-all} of {@value
 * #SMALL} small artifacts, a {@code fetch} of a larger one, and both again as hits. It prints nothing
 * unless a step fails.
 */
@Command(
        name = "train",
        hidden = true,
        description = "Runs typical commands on loopback, for the launcher's start-up archives.")
final class TrainCommand implements Callable<Integer> {
    static final int SMALL = 400;
    static final int SMALL_SIZE = 64 * 1024;
    static final int LARGE_SIZE = 32 * 1024 * 1024;

    private final Io io;

    TrainCommand(Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("cachet-train-");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try {
            byte[][] small = new byte[SMALL][];
            SplittableRandom random = new SplittableRandom(20_261_203L);
            for (int i = 0; i < SMALL; i++) {
                small[i] = new byte[SMALL_SIZE];
                random.nextBytes(small[i]);
            }
            byte[] large = new byte[LARGE_SIZE];
            random.nextBytes(large);
            DisposableServer server = serve(small, large);
            try {
                String base = "http://127.0.0.1:" + server.port();
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < SMALL; i++) {
                    lines.add(base + "/small/" + i + " "
                            + DemoCommand.sha256(small[i]).hex());
                }
                Path manifest = Files.write(dir.resolve("manifest"), lines, StandardCharsets.UTF_8);
                String cache = dir.resolve("cache").toString();
                String[] fetchAll = {"fetch-all", manifest.toString(), "--concurrency", "64", "--cache-dir", cache};
                String[] fetch = {
                    "fetch",
                    base + "/large",
                    "--sha256",
                    DemoCommand.sha256(large).hex(),
                    "--cache-dir",
                    cache
                };
                Io quiet = quiet(log);
                for (String[] step : List.of(fetchAll, fetch, fetchAll, fetch)) {
                    int code = Main.run(step, quiet);
                    if (code != ExitCodes.OK) {
                        io.err().print(log.toString(StandardCharsets.UTF_8));
                        io.err().println("cachet train: '" + String.join(" ", step) + "' exited with " + code);
                        return code;
                    }
                }
                return ExitCodes.OK;
            } finally {
                server.disposeNow();
            }
        } finally {
            DemoCommand.deleteTree(dir);
        }
    }

    private static DisposableServer serve(byte[][] small, byte[] large) {
        return HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get(
                                "/small/{i}",
                                (request, response) -> response.header("Content-Type", "application/octet-stream")
                                        .sendObject(
                                                Unpooled.wrappedBuffer(small[Integer.parseInt(request.param("i"))])))
                        .get(
                                "/large",
                                (request, response) -> response.header("Content-Type", "application/octet-stream")
                                        .sendObject(Unpooled.wrappedBuffer(large))))
                .bindNow();
    }

    private Io quiet(ByteArrayOutputStream log) {
        PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        return new Io(none, err, InputStream.nullInputStream(), io.env(), io.home(), false, io.nanoTime(), false);
    }
}
