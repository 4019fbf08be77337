package io.cachet.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tmp/} is listed once for many callers, but a caller is only ever answered by a listing that
 * started after it asked: a download must see every part that earlier holders of its key left.
 */
@Timeout(60)
class TmpNamesTest {
    @TempDir
    Path tmp;

    @Test
    void eachCallerSeesWhatWasThereWhenItAskedEvenWhileOthersListTheDirectory() throws Exception {
        TmpNames names = new TmpNames(tmp);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<List<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String id = id(i);
                answers.add(threads.submit(() -> {
                    Files.createFile(tmp.resolve(id + ".1-a-b.part"));
                    return names.of(id);
                }));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).get()).as("caller %d", i).containsExactly(id(i) + ".1-a-b.part");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void onlyNamesOfTheKeyAreReturned() throws Exception {
        Files.createFile(tmp.resolve(id(1) + ".1-a-b.part"));
        Files.createFile(tmp.resolve(id(1) + ".1-a-b.meta"));
        Files.createFile(tmp.resolve(id(2) + ".1-a-b.part"));
        Files.createFile(tmp.resolve("CACHET.1-a-b.new"));

        assertThat(new TmpNames(tmp).of(id(1))).containsExactlyInAnyOrder(id(1) + ".1-a-b.part", id(1) + ".1-a-b.meta");
        assertThat(new TmpNames(tmp).of(id(3))).isEmpty();
    }

    @Test
    void aListingThatFailsFailsItsCallersAndTheNextCallListsAgain() throws Exception {
        Path missing = tmp.resolve("gone");
        TmpNames names = new TmpNames(missing);

        assertThatThrownBy(() -> names.of(id(1))).isInstanceOf(IOException.class);

        Files.createDirectory(missing);
        Files.createFile(missing.resolve(id(1) + ".1-a-b.part"));
        assertThat(names.of(id(1))).containsExactly(id(1) + ".1-a-b.part");
    }

    private static String id(int i) {
        return String.format("%064x", i);
    }
}
