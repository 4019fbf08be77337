package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void anIntegrityFailureNamesBothDigestsInFullWithoutAStackTrace() {
        int code = Errors.report(err, "cannot fetch https://h/m.bin", ExitCodesTest.integrity(), false);

        assertThat(code).isEqualTo(3);
        List<String> lines = lines();
        assertThat(lines.get(0)).startsWith("cachet: cannot fetch https://h/m.bin: integrity check failed");
        assertThat(lines.subList(1, lines.size()))
                .allSatisfy(line -> assertThat(line).startsWith("  "));
        assertThat(lines)
                .contains(
                        "  expected sha256:  " + ExitCodesTest.EXPECTED.hex(),
                        "  actual sha256:    " + ExitCodesTest.ACTUAL.hex());
        assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("\tat ", "Exception");
    }

    @Test
    void anOriginFailureSaysWhatTheOriginDidAndWhatToDo() {
        int code = Errors.report(err, "cannot fetch https://h/m.bin", ExitCodesTest.notFound(), false);

        assertThat(code).isEqualTo(4);
        assertThat(lines().get(0)).isEqualTo("cachet: cannot fetch https://h/m.bin: the origin failed (HTTP 404)");
        assertThat(lines()).contains("  status:           404", "  attempts:         1");
        assertThat(lines().get(1)).contains("check the URL");
    }

    @Test
    void aLockTimeoutNamesTheHolder() {
        int code = Errors.report(err, "cannot fetch m", ExitCodesTest.lockTimeout(), false);

        assertThat(code).isEqualTo(6);
        assertThat(lines()).contains("  holder pid:       4242");
        assertThat(lines().get(1)).contains("do not delete the lock file");
    }

    @Test
    void aStorageFailureNamesThePath() {
        int code = Errors.report(err, "cannot fetch m", ExitCodesTest.readOnly(), false);

        assertThat(code).isEqualTo(5);
        assertThat(lines().get(0)).endsWith("the cache directory cannot be used (read only)");
        assertThat(lines()).contains("  path:             /c/tmp");
    }

    @Test
    void anInvalidRequestIsOneSentence() {
        int code = Errors.report(
                err,
                "cannot fetch ftp://h/x",
                new io.cachet.InvalidRequestException("uri", "\"ftp://h/x\"", "use http, https or file"),
                false);

        assertThat(code).isEqualTo(2);
        assertThat(lines())
                .containsExactly("cachet: cannot fetch ftp://h/x: invalid uri \"ftp://h/x\": use http, https or file");
    }

    @Test
    void anUnexpectedFailureIsCalledABugAndDebugAddsTheStackTrace() {
        int code = Errors.report(err, "cannot fetch m", new IllegalStateException("boom"), true);

        assertThat(code).isEqualTo(1);
        assertThat(lines().get(0))
                .isEqualTo("cachet: cannot fetch m: internal error: java.lang.IllegalStateException: boom");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("this is a bug in cachet", "\tat ");
    }
}
