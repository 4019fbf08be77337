package io.cachet.internal.store;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * What this host can prove about a process: whether it still runs. Used to decide, for every
 * temporary file Cachet makes, whether its owner is gone (only then may another process adopt or
 * delete it). A pid alone is not enough, since pids are recycled: the start time tells a recycled
 * pid apart; without one, a live process with that pid counts as the owner (the safe answer).
 */
final class Processes {
    private static final long START_TOLERANCE_MILLIS = 1000;
    static final Store.Owner CURRENT = probe();

    private Processes() {}

    /**
     * Whether the owner certainly no longer runs: on this host, and no live process with this pid
     * (and, when known, this start time). Another host's process can never be proven gone.
     */
    static boolean isProvablyGone(Store.Owner owner) {
        if (!owner.host().equals(CURRENT.host()) || owner.pid() <= 0 || owner.equals(CURRENT)) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(owner.pid());
        if (handle.isEmpty() || !handle.get().isAlive() || isZombie(owner.pid())) {
            return true;
        }
        if (owner.startMillis() == 0) {
            return false; // A live process has this pid; without a start time it may be the owner.
        }
        Optional<Instant> start = handle.get().info().startInstant();
        return start.isPresent() && Math.abs(start.get().toEpochMilli() - owner.startMillis()) > START_TOLERANCE_MILLIS;
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

    private static Store.Owner probe() {
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new Store.Owner(hostName(), self.pid(), start);
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
