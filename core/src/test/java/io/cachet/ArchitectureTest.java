package io.cachet;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.testing.ClassReferences;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The package list is the design (docs/architecture.md, "Packages"), and this test keeps it so:
 * read from the compiled classes, not from imports.
 *
 * <ul>
 *   <li>Core touches no Netty: network clients live behind the SPI, in other modules.
 *   <li>Each {@code io.cachet.internal} package has one public type, its door, and every other
 *       package enters it only through that door (and the door's nested types).
 *   <li>The internal packages depend on each other without cycles, and none of them on the engine
 *       package {@code io.cachet.internal} itself, which sits on top of them all.
 *   <li>The SPI reaches nothing internal; the API reaches only the engine's door.
 * </ul>
 */
class ArchitectureTest {
    private static final String INTERNAL = "io.cachet.internal";
    private static final Map<String, Set<String>> REFERENCES = ClassReferences.read(Path.of("target/classes"));

    @Test
    void coreDependsOnNoNetworkClient() {
        List<String> offenders = new ArrayList<>();
        REFERENCES.forEach((type, refs) -> refs.stream()
                .filter(r -> r.startsWith("io.netty.")
                        || r.startsWith("reactor.netty.")
                        || r.startsWith("io.lettuce.")
                        || r.startsWith("software.amazon."))
                .forEach(r -> offenders.add(type + " -> " + r)));
        assertThat(offenders).isEmpty();
    }

    @Test
    void everyInternalPackageHasExactlyOnePublicTopLevelType() throws Exception {
        Map<String, Set<String>> doors = doors();
        Map<String, Set<String>> wrong = new TreeMap<>();
        doors.forEach((pkg, publicTypes) -> {
            if (publicTypes.size() != 1) {
                wrong.put(pkg, publicTypes);
            }
        });
        assertThat(wrong)
                .as("internal packages whose public types are not exactly one door")
                .isEmpty();
        assertThat(doors).containsKeys(INTERNAL, INTERNAL + ".store", INTERNAL + ".fetch", INTERNAL + ".lock");
    }

    @Test
    void internalPackagesAreEnteredOnlyThroughTheirDoor() throws Exception {
        Map<String, Set<String>> doors = doors();
        List<String> offenders = new ArrayList<>();
        REFERENCES.forEach((type, refs) -> {
            String from = ClassReferences.packageOf(type);
            for (String ref : refs) {
                String to = ClassReferences.packageOf(ref);
                if (!to.startsWith(INTERNAL) || to.equals(from) || !doors.containsKey(to)) {
                    continue;
                }
                if (!doors.get(to).contains(ClassReferences.topLevel(ref))) {
                    offenders.add(type + " -> " + ref);
                }
            }
        });
        assertThat(offenders).isEmpty();
    }

    @Test
    void internalPackagesFormNoCycleAndOnlyTheApiUsesTheEngine() {
        Map<String, Set<String>> graph = packageGraph();
        List<String> upward = new ArrayList<>();
        graph.forEach((from, tos) -> {
            if (from.startsWith(INTERNAL + ".") && tos.contains(INTERNAL)) {
                upward.add(from);
            }
        });
        assertThat(upward)
                .as("internal packages that reach back into the engine")
                .isEmpty();
        assertThat(cycles(graph)).isEmpty();
        assertThat(graph.getOrDefault("io.cachet.spi", Set.of()))
                .as("the SPI reaches nothing internal")
                .noneMatch(p -> p.startsWith(INTERNAL));
        assertThat(graph.getOrDefault("io.cachet", Set.of()))
                .as("the API reaches only the engine")
                .allMatch(p -> !p.startsWith(INTERNAL) || p.equals(INTERNAL));
    }

    private static Map<String, Set<String>> doors() throws ClassNotFoundException {
        Map<String, Set<String>> doors = new TreeMap<>();
        for (String type : REFERENCES.keySet()) {
            String pkg = ClassReferences.packageOf(type);
            if (!pkg.startsWith(INTERNAL) || type.contains("$")) {
                continue;
            }
            Set<String> publicTypes = doors.computeIfAbsent(pkg, p -> new TreeSet<>());
            if (Modifier.isPublic(Class.forName(type, false, ArchitectureTest.class.getClassLoader())
                    .getModifiers())) {
                publicTypes.add(type);
            }
        }
        return doors;
    }

    private static Map<String, Set<String>> packageGraph() {
        Map<String, Set<String>> graph = new TreeMap<>();
        REFERENCES.forEach((type, refs) -> {
            String from = ClassReferences.packageOf(type);
            for (String ref : refs) {
                String to = ClassReferences.packageOf(ref);
                if (to.startsWith("io.cachet") && !to.equals(from)) {
                    graph.computeIfAbsent(from, p -> new TreeSet<>()).add(to);
                }
            }
        });
        return graph;
    }

    /**
     * Every internal package that can reach itself again through internal packages. (The engine and
     * the API know each other by design: {@code Cache.Builder} starts the engine, which implements
     * {@code Cache}.)
     */
    private static Set<String> cycles(Map<String, Set<String>> graph) {
        Set<String> cyclic = new TreeSet<>();
        for (String start : graph.keySet()) {
            if (!start.startsWith(INTERNAL)) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            List<String> todo = new ArrayList<>(graph.getOrDefault(start, Set.of()));
            while (!todo.isEmpty()) {
                String next = todo.remove(todo.size() - 1);
                if (next.equals(start)) {
                    cyclic.add(start);
                    break;
                }
                if (next.startsWith(INTERNAL) && seen.add(next)) {
                    todo.addAll(graph.getOrDefault(next, Set.of()));
                }
            }
        }
        return cyclic;
    }
}
