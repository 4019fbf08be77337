package io.cachet.cli;

import java.util.Map;

/**
 * {@code --header 'Name: value'}, as curl writes it: the name is what comes before the first
 * colon, the value what follows, both without surrounding blanks. Whether the name and value are
 * acceptable is {@link io.cachet.FetchRequest#withHeader}'s call.
 */
final class Headers {
    private Headers() {}

    static Map.Entry<String, String> parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            // Not echoed: a header is often a credential, and this one may be missing only its colon.
            throw new IllegalArgumentException(
                    "invalid header: no ':' in it; write it as 'Name: value', such as 'Authorization: Bearer TOKEN'");
        }
        String name = text.substring(0, colon).strip();
        String value = text.substring(colon + 1).strip();
        if (name.isEmpty()) {
            throw new IllegalArgumentException("invalid header: the name before ':' is empty");
        }
        return Map.entry(name, value);
    }
}
