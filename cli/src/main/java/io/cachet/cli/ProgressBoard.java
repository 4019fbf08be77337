package io.cachet.cli;

import io.cachet.Artifact;
import io.cachet.CacheEvent;
import io.cachet.Key;
import io.cachet.OriginException;
import io.cachet.spi.Text;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the progress display shows, computed from cache events and finished fetches, with the
 * time passed in: no threads, no terminal, no clock of its own, so tests replay events at chosen
 * instants and compare the lines.
 *
 * <pre>
 * fetch:      resnet50.onnx    [=====>        ] 40.0/100.0 MiB  20.0 MiB/s  ETA 3.0s
 * in ranges:  resnet50.onnx    [=====>        ] 40.0/100.0 MiB  80.0 MiB/s  ETA 0.8s  8 conn, 2 sources
 * waiting:    resnet50.onnx    waiting for pid 1234: 50.0/100.0 MiB  10.0 MiB/s  ETA 5.0s
 * fleet:      resnet50.onnx    waiting for host-b pid 4242: 50.0/100.0 MiB  10.0 MiB/s  ETA 5.0s
 * retrying:   resnet50.onnx    attempt 1 failed (HTTP 503); retrying in 1.0s
 * fetch-all:  [====>         ]  150/300 done, 2 failed  1.2 GiB  35.0 MiB/s
 *               part-017.bin     [==>           ] ...           (at most {@value #MAX_SHOWN} bars)
 *               ... and 12 more
 * </pre>
 *
 * Only the display thread calls it.
 */
final class ProgressBoard {
    static final int MAX_SHOWN = 6;
    static final int NAME_WIDTH = 16;
    static final int BAR_WIDTH = 14;
    static final long RATE_WINDOW_NANOS = Duration.ofSeconds(3).toNanos();
    static final long MIN_RATE_SPAN_NANOS = Duration.ofMillis(200).toNanos();

    private final int artifacts;
    private final long startNanos;
    private final Map<Key, Bar> bars = new LinkedHashMap<>();
    private final Deque<long[]> transferSamples = new ArrayDeque<>();
    private int downloaded;
    private int resumed;
    private int hits;
    private int waited;
    private int fromTier;
    private int failed;
    private long transferred;
    private long keptBytes;
    private long lastHolderPid = -1;
    private int mostConnections;
    private @Nullable String lastHolderHost;
    private long lastSize;
    private String lastName = "";

    ProgressBoard(int artifacts, long startNanos) {
        this.artifacts = artifacts;
        this.startNanos = startNanos;
        transferSamples.addLast(new long[] {startNanos, 0});
    }

    // ---- input -----------------------------------------------------------------------------------

    void apply(CacheEvent event, long now) {
        Key key = event.key();
        if (event instanceof CacheEvent.Waiting w) {
            Bar bar = bar(key, now);
            bar.remote = true;
            bar.pid = w.holderPid();
            bar.host = w.holderHost();
            if (w.holderPid() > 0) {
                lastHolderPid = w.holderPid();
                lastHolderHost = w.holderHost();
            }
        } else if (event instanceof CacheEvent.Started s) {
            Bar bar = bar(key, now);
            bar.remote = false;
            bar.note = null;
            bar.bytes = s.offset();
            bar.lastLocal = s.offset();
            bar.total = s.expectedSize();
            bar.samples.clear();
            bar.sample(now);
        } else if (event instanceof CacheEvent.Progress p) {
            Bar bar = bar(key, now);
            if (p.remote()) {
                if (!bar.remote) {
                    bar.remote = true;
                    bar.samples.clear();
                }
            } else {
                long delta = p.bytes() - bar.lastLocal;
                if (delta > 0) {
                    transferred += delta;
                    transferSamples.addLast(new long[] {now, transferred});
                    prune(transferSamples, now);
                }
                bar.lastLocal = p.bytes();
            }
            bar.bytes = p.bytes();
            bar.total = p.total();
            bar.sample(now);
        } else if (event instanceof CacheEvent.Connections c) {
            Bar bar = bar(key, now);
            bar.connections = c.connections();
            bar.sources = c.sources().size();
            mostConnections = Math.max(mostConnections, c.connections());
        } else if (event instanceof CacheEvent.Resumed r) {
            keptBytes += r.offset();
            bar(key, now).note = null;
        } else if (event instanceof CacheEvent.Retrying r) {
            String why = r.cause() instanceof OriginException o
                    ? o.reason()
                    : Objects.requireNonNullElse(
                            r.cause().getMessage(), r.cause().toString());
            bar(key, now).note = "attempt " + r.attempt() + " failed (" + clip(Text.printable(why), 40)
                    + "); retrying in " + Units.elapsed(r.delay());
        } else if (event instanceof CacheEvent.Committed
                || event instanceof CacheEvent.Failed
                || event instanceof CacheEvent.Hit) {
            bars.remove(key);
        }
    }

    /** A fetch ended with {@code artifact}. */
    void finished(Artifact artifact) {
        switch (artifact.source()) {
            case DOWNLOADED -> downloaded++;
            case RESUMED -> resumed++;
            case HIT -> hits++;
            case WAITED -> waited++;
            case TIER -> fromTier++;
        }
        lastSize = artifact.size();
        lastName = name(artifact.key());
    }

    /** A fetch failed (the error is reported elsewhere). */
    void failed() {
        failed++;
    }

    // ---- output ----------------------------------------------------------------------------------

    /** The lines to draw now, each at most {@code width - 1} characters. */
    List<String> lines(long now, int width) {
        List<String> lines = new ArrayList<>();
        String indent = "";
        if (artifacts > 1) {
            lines.add(aggregate(now));
            indent = "  ";
        }
        int shown = 0;
        for (Bar bar : bars.values()) {
            if (artifacts > 1 && shown == MAX_SHOWN) {
                lines.add(indent + "... and " + (bars.size() - shown) + " more");
                break;
            }
            lines.add(indent + bar.line(now));
            shown++;
        }
        lines.replaceAll(line -> clip(line, width - 1));
        return lines;
    }

    private String aggregate(long now) {
        int done = downloaded + resumed + hits + waited + fromTier + failed;
        StringBuilder b = new StringBuilder(meter(done, artifacts));
        b.append("  ").append(done).append('/').append(artifacts).append(" done");
        if (failed > 0) {
            b.append(", ").append(failed).append(" failed");
        }
        b.append("  ").append(Text.bytes(transferred));
        double rate = rate(transferSamples, now);
        if (rate > 0) {
            b.append("  ").append(Units.rate(rate));
        }
        return b.toString();
    }

    /** The one line printed when the command ends. */
    String summary(long now) {
        String elapsed = Units.elapsed(Duration.ofNanos(now - startNanos));
        double seconds = (now - startNanos) / 1e9;
        if (artifacts == 1 && failed == 0) {
            if (downloaded == 1) {
                return "downloaded " + lastName + ": " + Text.bytes(lastSize) + " in " + elapsed + rate(seconds)
                        + (mostConnections > 1 ? " over " + mostConnections + " connections" : "");
            }
            if (resumed == 1) {
                return "resumed " + lastName + ": " + Text.bytes(transferred) + " downloaded in " + elapsed + ", "
                        + Text.bytes(keptBytes) + " kept from an earlier attempt";
            }
            if (hits == 1) {
                return lastName + ": already in the cache (" + Text.bytes(lastSize) + ")";
            }
            if (fromTier == 1) {
                return lastName + ": read from the fleet's tier (" + Text.bytes(lastSize) + ", " + elapsed + ")";
            }
            if (waited == 1) {
                String who = lastHolderPid <= 0
                        ? "another caller"
                        : lastHolderHost != null
                                ? lastHolderHost + " pid " + lastHolderPid
                                : "process " + lastHolderPid;
                return lastName + ": downloaded by " + who + " while this one waited (" + Text.bytes(lastSize) + ", "
                        + elapsed + ")";
            }
        }
        int done = downloaded + resumed + hits + waited + fromTier + failed;
        StringBuilder b = new StringBuilder();
        b.append(done)
                .append(done == 1 ? " artifact" : " artifacts")
                .append(" in ")
                .append(elapsed)
                .append(": ");
        b.append(downloaded).append(" downloaded, ");
        if (resumed > 0) {
            b.append(resumed).append(" resumed, ");
        }
        b.append(hits).append(" already cached, ");
        if (waited > 0) {
            b.append(waited).append(" waited for another download, ");
        }
        if (fromTier > 0) {
            b.append(fromTier).append(" read from the fleet's tier, ");
        }
        b.append(failed).append(" failed; ");
        return b.append(Text.bytes(transferred))
                .append(" transferred")
                .append(rate(seconds))
                .toString();
    }

    /** The average rate in parentheses, or nothing when too little happened to say. */
    private String rate(double seconds) {
        return transferred > 0 && seconds >= 0.1 ? " (" + Units.rate(transferred / seconds) + ")" : "";
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private Bar bar(Key key, long now) {
        return bars.computeIfAbsent(key, k -> new Bar(name(k)));
    }

    /** A short name for a key: the last segment of a URL's path, or the name itself. */
    static String name(Key key) {
        String value = key.value();
        if (key.isUri()) {
            try {
                String path = URI.create(value).getPath();
                if (path != null) {
                    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
                    String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
                    if (!last.isEmpty()) {
                        value = last;
                    }
                }
            } catch (IllegalArgumentException ignored) {
                // Keep the whole key.
            }
        }
        return value;
    }

    static String meter(long done, long total) {
        int fill = total <= 0 ? 0 : (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < BAR_WIDTH; i++) {
            b.append(i < fill ? '=' : i == fill && fill > 0 ? '>' : ' ');
        }
        return b.append(']').toString();
    }

    static String clip(String line, int max) {
        return line.length() <= max ? line : line.substring(0, Math.max(0, max - 3)) + "...";
    }

    private static String pad(String name) {
        String n = name.length() > NAME_WIDTH ? name.substring(0, NAME_WIDTH - 3) + "..." : name;
        return n + " ".repeat(NAME_WIDTH - n.length());
    }

    private static void prune(Deque<long[]> samples, long now) {
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
            samples.removeFirst();
        }
    }

    /** Bytes per second over the window, or 0 when too few samples span too short a time. */
    private static double rate(Deque<long[]> samples, long now) {
        if (samples.size() < 2) {
            return 0;
        }
        long[] first = samples.peekFirst();
        long[] last = samples.peekLast();
        long span = last[0] - first[0];
        if (span < MIN_RATE_SPAN_NANOS) {
            return 0;
        }
        return (last[1] - first[1]) * 1e9 / span;
    }

    /** One download, ours or another process's. */
    private static final class Bar {
        final String name;
        final Deque<long[]> samples = new ArrayDeque<>();
        long bytes = -1;
        long total = -1;
        long lastLocal;
        long pid = -1;

        @Nullable
        String host;

        boolean remote;
        int connections;
        int sources;

        @Nullable
        String note;

        Bar(String name) {
            this.name = name;
        }

        void sample(long now) {
            samples.addLast(new long[] {now, bytes});
            prune(samples, now);
        }

        String line(long now) {
            StringBuilder b = new StringBuilder(pad(name)).append(' ');
            if (note != null) {
                return b.append(note).toString();
            }
            if (remote) {
                b.append(
                        pid <= 0
                                ? "waiting for another process"
                                : host != null ? "waiting for " + host + " pid " + pid : "waiting for pid " + pid);
                if (bytes < 0) {
                    return b.toString();
                }
                b.append(": ");
            } else if (bytes < 0) {
                return b.append("starting").toString();
            } else if (total > 0) {
                b.append(meter(bytes, total)).append(' ');
            }
            b.append(total > 0 ? Units.progress(bytes, total) : Text.bytes(bytes));
            double rate = rate(samples, now);
            if (rate > 0) {
                b.append("  ").append(Units.rate(rate));
                if (total > 0 && bytes < total) {
                    b.append("  ETA ").append(Units.elapsed(Duration.ofMillis((long) ((total - bytes) * 1000 / rate))));
                }
            }
            if (!remote && connections > 1) {
                b.append("  ").append(connections).append(" conn");
            }
            if (!remote && sources > 1) {
                b.append(connections > 1 ? ", " : "  ").append(sources).append(" sources");
            }
            return b.toString();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ProgressBoard[%d bars, %d bytes]", bars.size(), transferred);
    }
}
