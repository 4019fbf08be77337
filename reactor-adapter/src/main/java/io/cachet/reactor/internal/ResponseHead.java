package io.cachet.reactor.internal;

import io.cachet.spi.Text;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What an HTTP response said before its body: status, reason phrase and headers (names compared
 * case-insensitively). A plain value so the semantics can be tested without Netty.
 */
record ResponseHead(int status, String reason, Map<String, List<String>> headers) {

    ResponseHead {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) ->
                copy.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(copy);
        reason = Text.printable(reason, 100);
    }

    /** A head with single-valued headers, given as name, value, name, value... */
    static ResponseHead of(int status, String reason, String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("headers come in name/value pairs");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.computeIfAbsent(namesAndValues[i], n -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return new ResponseHead(status, reason, headers);
    }

    /** The first value of {@code name}, or null. */
    @Nullable
    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of {@code name}, in order; empty if absent. */
    List<String> all(String name) {
        return headers.getOrDefault(name, List.of());
    }
}
