package io.cachet.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One JSON object on one line (JSON Lines), fields in the order they were added. Values are
 * strings, whole numbers, booleans, null, arrays of strings or objects; strings are escaped as RFC 8259 requires, control
 * characters as a backslash, {@code u} and four hex digits.
 */
final class Json {
    private final Map<String, @Nullable Object> fields = new LinkedHashMap<>();

    static Json object() {
        return new Json();
    }

    Json put(String name, @Nullable String value) {
        fields.put(name, value);
        return this;
    }

    Json put(String name, long value) {
        fields.put(name, value);
        return this;
    }

    Json put(String name, boolean value) {
        fields.put(name, value);
        return this;
    }

    Json put(String name, Json value) {
        fields.put(name, value);
        return this;
    }

    /** An array of strings. */
    Json put(String name, java.util.List<String> values) {
        fields.put(name, java.util.List.copyOf(values));
        return this;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, @Nullable Object> e : fields.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            quote(b, e.getKey());
            b.append(':');
            Object v = e.getValue();
            if (v == null) {
                b.append("null");
            } else if (v instanceof String s) {
                quote(b, s);
            } else if (v instanceof java.util.List<?> list) {
                b.append('[');
                for (int i = 0; i < list.size(); i++) {
                    b.append(i == 0 ? "" : ",");
                    quote(b, String.valueOf(list.get(i)));
                }
                b.append(']');
            } else {
                b.append(v);
            }
        }
        return b.append('}').toString();
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
