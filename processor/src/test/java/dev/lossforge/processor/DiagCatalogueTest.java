package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.lossforge.processor.diag.Diag;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The message catalogue: every entry is used, formats with its arguments, and says something no other entry says. */
class DiagCatalogueTest {
    private static final Object[] ARGS = {"a", "b", "c", "d", "e"};

    @Test
    void everyMessageFormatsWithATagAndIsDistinct() {
        Set<String> seen = new HashSet<>();
        for (Diag d : Diag.values()) {
            String text = d.format(ARGS);
            assertWithMessage("%s", d).that(text).startsWith("[" + d.tag() + "] ");
            assertWithMessage("%s", d).that(d.tag()).matches("lossforge\\.[a-z-]+");
            assertWithMessage("%s says what another entry says", d).that(seen.add(text + "\n" + d.hint(ARGS))).isTrue();
        }
    }

    /** A message no code reports is a dead entry (or a caller that builds its own text instead). */
    @Test
    void everyMessageIsReportedSomewhere() throws IOException {
        String sources;
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("Diag.java"))
                    .map(DiagCatalogueTest::read).collect(Collectors.joining("\n"));
        }
        for (Diag d : Diag.values()) {
            assertWithMessage("no code reports Diag.%s", d).that(sources).containsMatch("Diag\\." + d.name() + "\\b");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
