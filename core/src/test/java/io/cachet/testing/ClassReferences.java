package io.cachet.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The classes each compiled class refers to, read from the constant pools of a directory of class
 * files: class entries, and the class names inside field and method descriptors and generic
 * signatures. What javac resolved at compile time is all there, so an architecture rule checked on
 * it cannot be fooled by imports or fully qualified names. (Annotation-only uses that are not
 * retained in the class file are not seen; none of the rules here is about annotations.)
 */
public final class ClassReferences {
    private static final Pattern IN_DESCRIPTOR = Pattern.compile("L([\\w/$]+)[;<]");

    private ClassReferences() {}

    /** For every class under {@code classes}: its binary name and the binary names it refers to. */
    public static Map<String, Set<String>> read(Path classes) {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = classes.relativize(file).toString();
                if (!name.endsWith(".class")
                        || name.endsWith("module-info.class")
                        || name.endsWith("package-info.class")) {
                    continue;
                }
                String binary =
                        name.substring(0, name.length() - ".class".length()).replace('/', '.');
                try (InputStream in = Files.newInputStream(file)) {
                    out.put(binary, referencesOf(in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The top-level class a binary name belongs to: {@code a.B$C} gives {@code a.B}. */
    public static String topLevel(String binary) {
        int dollar = binary.indexOf('$');
        return dollar < 0 ? binary : binary.substring(0, dollar);
    }

    /** The package of a binary name. */
    public static String packageOf(String binary) {
        int dot = binary.lastIndexOf('.');
        return dot < 0 ? "" : binary.substring(0, dot);
    }

    private static Set<String> referencesOf(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // Longs and doubles take two slots.
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        Set<String> refs = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0) {
                String name = utf8[classNameIndex[i]];
                if (name.startsWith("[")) {
                    addDescriptorNames(name, refs);
                } else {
                    refs.add(name.replace('/', '.'));
                }
            } else if (utf8[i] != null) {
                addDescriptorNames(utf8[i], refs);
            }
        }
        return refs;
    }

    private static void addDescriptorNames(String text, Set<String> into) {
        Matcher m = IN_DESCRIPTOR.matcher(text);
        while (m.find()) {
            into.add(m.group(1).replace('/', '.'));
        }
    }
}
