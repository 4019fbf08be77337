package io.cachet.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of the READMEs is compiled code: each {@code ```java} block must appear, token
 * for token (whitespace is free, so the formatter may reflow the source), in a Java source file of
 * this module, which the build compiles. A snippet that is edited in a README alone, or whose
 * source changed, fails here; copy it from (or to) the file named in {@code SOURCES}.
 */
class ReadmeSnippetsTest {
    private static final Path MODULE =
            Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path REPOSITORY = MODULE.resolve("../..").normalize();
    /** Where the snippets come from: this package (for the root README) and the example itself. */
    private static final List<Path> SOURCES =
            List.of(MODULE.resolve("src/test/java/io/cachet/examples/readme"), MODULE.resolve("src/main/java"));

    @Test
    void everyJavaSnippetOfTheReadmesIsInACompiledSourceFile() {
        List<String> sources = SOURCES.stream()
                .flatMap(ReadmeSnippetsTest::javaFiles)
                .map(ReadmeSnippetsTest::read)
                .map(ReadmeSnippetsTest::withoutWhitespace)
                .toList();
        List<String> problems = new ArrayList<>();
        for (Path readme : readmes()) {
            for (Snippet snippet : snippets(readme)) {
                String code = withoutWhitespace(snippet.code());
                if (sources.stream().noneMatch(source -> source.contains(code))) {
                    problems.add(REPOSITORY.relativize(readme) + ", line " + snippet.line() + ": "
                            + snippet.code().lines().findFirst().orElse(""));
                }
            }
        }

        assertThat(problems)
                .as("README snippets that are not in any compiled source under " + SOURCES
                        + "; a README's Java must be copied from code the build compiles")
                .isEmpty();
    }

    @Test
    void theSnippetsAreFoundWhereTheyAre() {
        assertThat(snippets(REPOSITORY.resolve("README.md"))).hasSizeGreaterThanOrEqualTo(4);
        assertThat(snippets(MODULE.resolve("README.md"))).isNotEmpty();
        assertThat(snippets(REPOSITORY.resolve("micrometer/README.md"))).isNotEmpty();
        assertThat(withoutWhitespace("  a b\n\tc ")).isEqualTo("abc");
    }

    private static List<Path> readmes() {
        return List.of(
                REPOSITORY.resolve("README.md"),
                REPOSITORY.resolve("micrometer/README.md"),
                REPOSITORY.resolve("spring-boot-starter/README.md"),
                MODULE.resolve("README.md"));
    }

    record Snippet(int line, String code) {}

    /** The {@code ```java} blocks of a Markdown file, with the line each starts on. */
    static List<Snippet> snippets(Path markdown) {
        List<String> lines = read(markdown).lines().toList();
        List<Snippet> snippets = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```java")) {
                int start = i + 1;
                StringBuilder code = new StringBuilder();
                for (i = start; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                    code.append(lines.get(i)).append('\n');
                }
                snippets.add(new Snippet(start + 1, code.toString()));
            }
        }
        return snippets;
    }

    static String withoutWhitespace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(b::appendCodePoint);
        return b.toString();
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
