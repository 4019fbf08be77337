package io.cachet.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.Await;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/architecture.md, "Resume": a part is adopted only when its owner is provably gone. A killed owner
 * stays a zombie until its parent reaps it, and the JDK reports zombies as alive; but a zombie has
 * closed every file it had and will never write again, so it is gone.
 */
@Timeout(30)
class OwnerTest {

    @Test
    void theRunningProcessIsNotGone() {
        assertThat(Store.Owner.current().isProvablyGone()).isFalse();
        assertThat(Store.Owner.current().isCurrent()).isTrue();
    }

    @Test
    void anOwnerThatDiedButWasNotYetReapedIsProvablyGone() throws Exception {
        // A parent that forks a child which exits at once, and never waits for it: a zombie. (A shell
        // may reap its background job before exec'ing, so the parent is python3, which never reaps.)
        org.junit.jupiter.api.Assumptions.assumeTrue(
                new ProcessBuilder("python3", "--version").start().waitFor() == 0, "python3 makes the zombie here");
        Process parent = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(60)")
                .start();
        try {
            long pid;
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.US_ASCII))) {
                pid = Long.parseLong(out.readLine().strip());
            }
            Path stat = Path.of("/proc/" + pid + "/stat");
            Await.until("the child is a zombie", () -> state(stat) == 'Z');
            long start = ProcessHandle.of(pid)
                    .flatMap(h -> h.info().startInstant())
                    .map(Instant::toEpochMilli)
                    .orElse(0L);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                    .as("the JDK's view of a zombie")
                    .contains(true);

            Store.Owner zombie = new Store.Owner(Store.Owner.current().host(), pid, start);

            assertThat(zombie.isProvablyGone()).isTrue();
            Store.Owner living = new Store.Owner(
                    Store.Owner.current().host(),
                    parent.pid(),
                    parent.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
            assertThat(living.isProvablyGone()).isFalse();
        } finally {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    @Test
    void anOwnerOnAnotherHostIsNeverProvablyGoneAndOneWithoutAStartTimeOnlyWhenItsPidIsFree() {
        assertThat(new Store.Owner("another-host", Long.MAX_VALUE, 1).isProvablyGone())
                .isFalse();
        assertThat(new Store.Owner(Store.Owner.current().host(), Long.MAX_VALUE, 0).isProvablyGone())
                .as("no process has this pid")
                .isTrue();
        assertThat(new Store.Owner(
                                Store.Owner.current().host(),
                                ProcessHandle.current().parent().orElseThrow().pid(),
                                0)
                        .isProvablyGone())
                .as("a live process has this pid, and without a start time it may be the owner")
                .isFalse();
        assertThat(new Store.Owner(Store.Owner.current().host(), Long.MAX_VALUE, 1).isProvablyGone())
                .isTrue();
    }

    private static char state(Path stat) {
        try {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            return text.charAt(text.lastIndexOf(')') + 2);
        } catch (Exception e) {
            return '?';
        }
    }
}
