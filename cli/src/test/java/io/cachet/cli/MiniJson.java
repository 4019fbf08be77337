package io.cachet.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses one JSON object (string, whole-number, boolean, null, array and object values), enough to read
 * what {@code --json} prints without trusting the writer under test. Fails on anything else.
 */
final class MiniJson {
    private final String s;
    private int i;

    private MiniJson(String s) {
        this.s = s;
    }

    static Map<String, Object> parse(String json) {
        MiniJson p = new MiniJson(json.strip());
        Map<String, Object> out = p.object();
        if (p.i != p.s.length()) {
            throw new IllegalArgumentException("trailing text at " + p.i + ": " + json);
        }
        return out;
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> out = new LinkedHashMap<>();
        if (peek() == '}') {
            i++;
            return out;
        }
        while (true) {
            String name = string();
            expect(':');
            if (out.put(name, value()) != null) {
                throw new IllegalArgumentException("duplicate field " + name);
            }
            char c = s.charAt(i++);
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected , or } at " + (i - 1) + ": " + s);
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (c == '{') {
            return object();
        }
        if (c == '[') {
            i++;
            java.util.List<Object> items = new java.util.ArrayList<>();
            if (peek() == ']') {
                i++;
                return items;
            }
            while (true) {
                items.add(value());
                char next = s.charAt(i++);
                if (next == ']') {
                    return items;
                }
                if (next != ',') {
                    throw new IllegalArgumentException("expected , or ] at " + (i - 1) + ": " + s);
                }
            }
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (s.startsWith(word, i)) {
                i += word.length();
                return word.equals("null") ? NULL : Boolean.valueOf(word);
            }
        }
        int start = i;
        if (c == '-') {
            i++;
        }
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (start == i) {
            throw new IllegalArgumentException("unexpected " + c + " at " + i + ": " + s);
        }
        return Long.parseLong(s.substring(start, i));
    }

    /** Stands for JSON null in the map (maps here may not hold null). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException("raw control character in a string at " + (i - 1));
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
        }
    }

    private char peek() {
        return s.charAt(i);
    }

    private void expect(char c) {
        if (s.charAt(i) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + i + ": " + s);
        }
        i++;
    }
}
