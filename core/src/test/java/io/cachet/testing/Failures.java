package io.cachet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Unwraps the failure of a fetch that is expected to fail with a given type. */
public final class Failures {
    private Failures() {}

    public static <T extends Throwable> T failure(CompletableFuture<?> future, Class<T> type) {
        CompletionException wrapped = catchThrowableOfType(
                CompletionException.class,
                () -> future.orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(wrapped).as("the fetch should have failed").isNotNull();
        assertThat(wrapped.getCause()).isInstanceOf(type);
        return type.cast(wrapped.getCause());
    }
}
