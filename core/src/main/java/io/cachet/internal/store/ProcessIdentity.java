package io.cachet.internal.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Who owns a part file: host, pid and process start time, so that a later process can tell a
 * dead owner from a live one. A pid alone is not enough (pids are recycled); the start time tells
 * a recycled pid apart. An owner on another host can never be proven gone.
 *
 * @param host the host name
 * @param pid the process id
 * @param startMillis the process start time in epoch milliseconds, or 0 if unknown
 */
public record ProcessIdentity(String host, long pid, long startMillis) {
    private static final long START_TOLERANCE_MILLIS = 1000;
    private static final ProcessIdentity CURRENT = probe();

    public static ProcessIdentity current() {
        return CURRENT;
    }

    /** Whether this is the running process. */
    public boolean isCurrent() {
        return equals(CURRENT);
    }

    /**
     * Whether this owner certainly no longer runs: same host, and no live process with this pid
     * and start time. Unknown start times and other hosts are never "provably gone".
     */
    public boolean isProvablyGone() {
        if (!host.equals(CURRENT.host) || startMillis == 0) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive() || isZombie(pid)) {
            return true;
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return start.isPresent() && Math.abs(start.get().toEpochMilli() - startMillis) > START_TOLERANCE_MILLIS;
    }

    /**
     * Whether {@code pid} has exited but was not yet reaped by its parent (Linux {@code
     * /proc/<pid>/stat} state {@code Z} or {@code X}). The JDK reports such a process as alive, yet
     * it has closed every file it had and will never write again: a holder killed with {@code kill
     * -9} is in this state until its parent calls {@code wait}, and its lock is already released.
     * False where {@code /proc} cannot tell.
     */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            int end = stat.lastIndexOf(')'); // The command name in parentheses may itself hold ") ".
            if (end < 0 || end + 2 >= stat.length()) {
                return false;
            }
            char state = stat.charAt(end + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }

    /**
     * Whether another process with {@code pid} may be running on this host: alive and not a zombie.
     * Without a start time to compare, a recycled pid counts as running (the safe answer: its part
     * is left for later). False for this process and for pids that are not positive.
     */
    public static boolean mayBeRunning(long pid) {
        if (pid <= 0 || pid == CURRENT.pid) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.isPresent() && handle.get().isAlive() && !isZombie(pid);
    }

    /** Whether this owner may still be running (the opposite of provably gone). */
    public boolean mayBeAlive() {
        return !isProvablyGone();
    }

    private static ProcessIdentity probe() {
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new ProcessIdentity(hostName(), self.pid(), start);
    }

    private static String hostName() {
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                return Files.readString(kernel, StandardCharsets.US_ASCII).strip();
            }
        } catch (IOException | RuntimeException ignored) {
            // Fall back to the resolver below.
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
