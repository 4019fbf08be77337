package io.cachet.testing;

import io.cachet.Artifact;
import io.cachet.ArtifactLease;
import io.cachet.Cache;
import io.cachet.CacheEvent;
import io.cachet.FetchRequest;
import io.cachet.GcResult;
import io.cachet.IntegrityException;
import io.cachet.LockTimeoutException;
import io.cachet.StorageException;
import io.cachet.TestAccess;
import io.cachet.internal.Engine;
import io.cachet.internal.fetch.Download;
import io.cachet.internal.fs.Disk;
import io.cachet.internal.store.Store;
import io.cachet.internal.store.Store.KeyId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A child process for multi-process tests: opens a cache on a shared directory (on a {@link
 * FaultyDisk}, so it can crash at a named step or have locks that lie), runs concurrent fetches of
 * one request from a {@link SlowFileOrigin}, and reports what happens as lines on stdout.
 *
 * <p>Arguments ({@code --name=value}; flags without a value):
 *
 * <pre>
 * --root=DIR --uri=file:///... --log=FILE      required: cache, artifact, shared origin log
 * --key=NAME --sha=HEX --size=N                the request (default key: the URI; unpinned)
 * --fetches=N                                  concurrent fetches of the request (default 1)
 * --gate=FILE                                  wait at this {@link StartGate} before fetching
 * --chunk=BYTES --tick-ms=MS --pause-at=N,M    origin throttling and pauses (see SlowFileOrigin)
 * --lock-timeout-ms=MS                         give up waiting for another process's lock
 * --connections=N                              parallel ranges: at most N connections, N from the start
 * --halt-before=OP | --halt-after=OP           crash (exit 137) at a step of the disk seam ...
 * --halt-on=part|blob|blob-dir|fan-outs|refs|any ... on this kind of path (default any)
 * --locks-lie                                  every lock attempt succeeds
 * --replace-lock-after-open                    a third party replaces the lock file right after
 *                                              this process first opens it
 * --shared-with-group                          the multi-user modes
 * --gc                                         after fetching, collect garbage (nothing evicted)
 * --lease                                      instead of fetching, lease the artifact until told RELEASE
 * --evict                                      then evict everything it may: gc(0) with no minimum age
 * </pre>
 *
 * <p>Output lines: {@code READY pid=P}, {@code LOCKED} (first download started: this process holds
 * the lock), {@code STARTED offset=N}, {@code BYTES N}, {@code RESUMED offset=N}, {@code PAUSED
 * offset=N}, {@code WAITING holder=P}, {@code REMOTE bytes=N total=T}, {@code HIT}, {@code
 * COMMITTED}, {@code RESULT <source> <path> <sha>} per fetch, {@code ERROR <type> <message>} per
 * failure (and {@code LOCK_TIMEOUT holder=P bytes=N total=T}), {@code GC parts=N}, {@code LEASED
 * <path>}, {@code RELEASED}, {@code EVICTED removed=N busy=M}, {@code DONE}.
 *
 * <p>Commands on stdin: {@code GO} lets the origin past its next pause; {@code DIAGNOSE} runs, in
 * this JVM, every read another part of a program might make while this process holds the lock
 * (who holds it and how far, entries, verify, gc) and prints {@code DIAGNOSED holder=P bytes=N};
 * {@code STRAY-READ} reads the lock file the way a careless tool would (the forbidden thing,
 * docs/reliability.md I4) and prints {@code STRAY-READ done}; {@code RELEASE} closes the lease.
 *
 * <p>Exit status: 0 when every fetch succeeded, else by the first failure: {@link #LOCK_TIMEOUT},
 * {@link #INTEGRITY}, {@link #STORAGE}, {@link #OTHER}; {@link #USAGE} for bad arguments; 137 at a
 * crash point.
 */
public final class CacheWorker {
    public static final int OK = 0;
    public static final int USAGE = 2;
    public static final int LOCK_TIMEOUT = 10;
    public static final int INTEGRITY = 11;
    public static final int STORAGE = 12;
    public static final int OTHER = 13;

    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    private CacheWorker() {}

    /** A worker on cache {@code root} fetching the file {@code artifact}, logging opens to {@code log}. */
    public static Jvm.Spec on(Path root, Path artifact, Path log, String... more) {
        return Jvm.main(CacheWorker.class, "--root=" + root, "--uri=" + artifact.toUri(), "--log=" + log)
                .with(more);
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        Path root = Path.of(required(args, "root"));
        URI uri = URI.create(required(args, "uri"));
        int chunk = Integer.parseInt(args.getOrDefault("chunk", "65536"));
        SlowFileOrigin origin = new SlowFileOrigin(
                Path.of(required(args, "log")),
                chunk,
                Duration.ofMillis(Long.parseLong(args.getOrDefault("tick-ms", "0"))),
                longs(args.getOrDefault("pause-at", "")),
                offset -> out("PAUSED offset=" + offset));

        FetchRequest request = FetchRequest.of(uri);
        if (args.containsKey("key")) {
            request = request.withKey(args.get("key"));
        }
        if (args.containsKey("sha")) {
            request = request.withSha256(args.get("sha"));
        }
        if (args.containsKey("size")) {
            request = request.withSize(Long.parseLong(args.get("size")));
        }

        Cache.Builder builder = Cache.builder()
                .root(root)
                .origin(origin)
                .writeBufferSize(Math.max(4096, chunk)) // Each slice reaches the file as it arrives.
                // Pauses last as long as the test needs (starting other JVMs on a busy machine): the
                // holder's own stall detection must not end them; each test has its own timeout.
                .idleTimeout(Duration.ofMinutes(10))
                .minThroughput(0, Duration.ofMinutes(10))
                .sharedWithGroup(args.containsKey("shared-with-group"));
        if (args.containsKey("lock-timeout-ms")) {
            builder.lockTimeout(Duration.ofMillis(Long.parseLong(args.get("lock-timeout-ms"))));
        }
        Download.Parallelism parallelism = Download.Parallelism.of(0);
        if (args.containsKey("connections")) {
            int connections = Integer.parseInt(args.get("connections"));
            builder.connections(connections);
            parallelism = CacheFixture.allAtOnce(connections);
        }
        Engine cache = Engine.start(
                TestAccess.settings(builder),
                disk(args, root),
                () -> ThreadLocalRandom.current().nextDouble(),
                parallelism);
        KeyId id = KeyId.of(request.key());
        watch(cache);
        listen(cache, origin, id);
        out("READY pid=" + ProcessHandle.current().pid());
        if (args.containsKey("gate")) {
            StartGate.await(Path.of(args.get("gate")));
        }

        int exit = args.containsKey("lease")
                ? lease(cache, request)
                : fetch(cache, request, Integer.parseInt(args.getOrDefault("fetches", "1")));
        if (args.containsKey("evict")) {
            GcResult evicted = cache.gc(0, Duration.ZERO).block(Duration.ofSeconds(60));
            out("EVICTED removed=" + evicted.blobsRemoved() + " busy=" + evicted.busySkipped());
        }
        if (args.containsKey("gc")) {
            out("GC parts="
                    + cache.gc(Long.MAX_VALUE).block(Duration.ofSeconds(60)).partsRemoved());
        }
        cache.close();
        out("DONE");
        System.exit(exit);
    }

    /** Runs {@code n} fetches at once, from {@code n} threads released together. */
    private static int fetch(Cache cache, FetchRequest request, int n) throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Artifact>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            results.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            throw new CompletionException(e);
                        }
                        return cache.fetch(request).toFuture().join();
                    },
                    threads));
        }
        start.countDown();
        int exit = OK;
        for (CompletableFuture<Artifact> result : results) {
            try {
                Artifact a = result.get(5, TimeUnit.MINUTES);
                out("RESULT " + a.source() + " " + a.path() + " " + a.sha256().hex());
            } catch (Exception e) {
                Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                        ? c.getCause()
                        : e.getCause();
                cause = cause == null ? e : cause;
                out("ERROR " + cause.getClass().getSimpleName() + " "
                        + String.valueOf(cause.getMessage()).replace('\n', ' '));
                if (cause instanceof LockTimeoutException t) {
                    out("LOCK_TIMEOUT holder=" + t.holderPid().orElse(-1) + " bytes="
                            + t.holderBytes().orElse(-1) + " total="
                            + t.holderTotal().orElse(-1));
                }
                if (exit == OK) {
                    exit = codeOf(cause);
                }
            }
        }
        threads.shutdown();
        return exit;
    }

    /** Leases the artifact, says where it is, and holds it until told {@code RELEASE}. */
    private static int lease(Cache cache, FetchRequest request) throws InterruptedException {
        try (ArtifactLease lease = cache.lease(request).block(Duration.ofMinutes(5))) {
            out("LEASED " + lease.path());
            RELEASE.await();
        }
        out("RELEASED");
        return OK;
    }

    private static int codeOf(Throwable failure) {
        if (failure instanceof LockTimeoutException) {
            return LOCK_TIMEOUT;
        }
        if (failure instanceof IntegrityException) {
            return INTEGRITY;
        }
        if (failure instanceof StorageException) {
            return STORAGE;
        }
        return OTHER;
    }

    private static FaultyDisk disk(Map<String, String> args, Path root) {
        FaultyDisk disk = new FaultyDisk();
        Predicate<Path> where = kind(args.getOrDefault("halt-on", "any"));
        if (args.containsKey("halt-before")) {
            disk.haltBefore(FaultyDisk.Op.valueOf(args.get("halt-before")), where);
        }
        if (args.containsKey("halt-after")) {
            disk.haltAfter(FaultyDisk.Op.valueOf(args.get("halt-after")), where);
        }
        if (args.containsKey("locks-lie")) {
            disk.locksLie();
        }
        if (args.containsKey("replace-lock-after-open")) {
            disk.after(FaultyDisk.Op.OPEN_LOCK, p -> true, lock -> {
                Path replacement = root.resolve("replacement.lock");
                Files.write(replacement, new byte[0]);
                Files.move(replacement, lock, StandardCopyOption.ATOMIC_MOVE);
                out("REPLACED " + lock);
            });
        }
        return disk;
    }

    /** The kinds of path a crash point can be tied to. */
    private static Predicate<Path> kind(String name) {
        return switch (name) {
            case "part" -> p -> p.getFileName().toString().endsWith(".part");
            case "blob" ->
                p -> p.getFileName().toString().matches("[0-9a-f]{64}")
                        && named(p.getParent().getParent(), "sha256");
            case "blob-dir" -> p -> p.getFileName().toString().matches("[0-9a-f]{2}") && named(p.getParent(), "sha256");
            case "fan-outs" -> p -> named(p, "sha256") && named(p.getParent(), "blobs");
            case "refs" -> p -> named(p.getParent(), "refs");
            case "any" -> p -> true;
            default -> throw new IllegalArgumentException("unknown path kind: " + name);
        };
    }

    private static boolean named(Path p, String name) {
        return p != null
                && p.getFileName() != null
                && p.getFileName().toString().equals(name);
    }

    /** Prints the events the tests read. */
    private static void watch(Cache cache) {
        AtomicBoolean locked = new AtomicBoolean();
        cache.events().subscribe(event -> {
            if (event instanceof CacheEvent.Waiting w) {
                out("WAITING holder=" + w.holderPid());
            } else if (event instanceof CacheEvent.Progress p) {
                out(p.remote() ? "REMOTE bytes=" + p.bytes() + " total=" + p.total() : "BYTES " + p.bytes());
            } else if (event instanceof CacheEvent.Started s) {
                if (locked.compareAndSet(false, true)) {
                    out("LOCKED");
                }
                out("STARTED offset=" + s.offset());
            } else if (event instanceof CacheEvent.Resumed r) {
                out("RESUMED offset=" + r.offset());
            } else if (event instanceof CacheEvent.Failed f) {
                out("FAILED " + f.error().getClass().getSimpleName());
            } else {
                out(event.type().name());
            }
        });
    }

    /** Obeys the test's commands on stdin. */
    private static void listen(Engine cache, SlowFileOrigin origin, KeyId id) {
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in =
                            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            switch (line.strip()) {
                                case "GO" -> origin.release();
                                case "RELEASE" -> RELEASE.countDown();
                                case "DIAGNOSE" -> diagnose(cache, id);
                                case "STRAY-READ" -> {
                                    Files.readAllBytes(cache.root()
                                            .resolve("locks")
                                            .resolve(id.hex() + ".lock")); // Opens and closes a second descriptor.
                                    out("STRAY-READ done");
                                }
                                default -> out("UNKNOWN-COMMAND " + line);
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        out("COMMAND-FAILED " + e);
                    }
                },
                "commands");
        reader.setDaemon(true);
        reader.start();
    }

    /** Everything a program might read about a key while this process downloads it. */
    private static void diagnose(Engine cache, KeyId id) {
        Store.Holder holder = Store.open(cache.root(), false, Disk.REAL).holder(id);
        long entries = cache.entries().count().block(Duration.ofSeconds(30));
        cache.verify().then().block(Duration.ofSeconds(30));
        cache.gc(Long.MAX_VALUE).block(Duration.ofSeconds(30));
        out("DIAGNOSED holder=" + (holder == null ? -1 : holder.pid()) + " bytes="
                + (holder == null ? -1 : holder.bytes()) + " entries=" + entries);
    }

    static synchronized void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (String arg : argv) {
            if (!arg.startsWith("--")) {
                usage("not an option: " + arg);
            }
            int eq = arg.indexOf('=');
            args.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "" : arg.substring(eq + 1));
        }
        return args;
    }

    private static String required(Map<String, String> args, String name) {
        String value = args.get(name);
        if (value == null || value.isEmpty()) {
            usage("--" + name + " is required");
        }
        return value;
    }

    private static List<Long> longs(String csv) {
        return csv.isBlank()
                ? List.of()
                : Arrays.stream(csv.split(","))
                        .map(String::strip)
                        .map(Long::valueOf)
                        .toList();
    }

    private static void usage(String problem) {
        System.err.println("CacheWorker: " + problem);
        System.exit(USAGE);
    }
}
