package dev.lossforge.processor;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.processor.ir.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/vocabulary.md is checked against the op table: every word has a row, and the row's derivative column
 * quotes the entry's derivative formulas ({@code `x: g * sign(x)`}), or says "none" when the word passes no
 * gradient. Adding an op without its row, or changing a derivative without its documentation, fails the build.
 */
class VocabularyDocTest {
    private static final String DOC = "docs/vocabulary.md";

    @Test
    void everyDslWordHasARowWhoseDerivativeIsTheTables() throws IOException {
        List<String> rows = Files.readAllLines(Path.of("..", DOC)).stream().filter(l -> l.startsWith("| ")).toList();
        for (Op op : Op.values()) {
            if (op.dslName() == null) {
                continue;
            }
            String row = rowOf(rows, op.dslName());
            assertNotNull(row, DOC + " has no row for '" + op.dslName() + "'");
            String derivative = row.substring(row.lastIndexOf(" | ") + 3, row.length() - 2); // without the closing " |"
            if (op.derivativeText() == null) {
                assertTrue(derivative.startsWith("none"), DOC + ": '" + op.dslName() + "' passes no gradient, but its row says " + derivative);
                continue;
            }
            for (String gradient : op.derivativeText().split("; ")) {
                assertTrue(derivative.contains("`" + gradient + "`"),
                        DOC + ": the row of '" + op.dslName() + "' does not quote `" + gradient + "` from the op table; it says " + derivative);
            }
        }
    }

    /** The table row whose first cell shows the word called: {@code `exp(} or {@code .add(}. */
    private static String rowOf(List<String> rows, String word) {
        for (String row : rows) {
            String first = row.substring(0, Math.max(row.indexOf(" | "), 0));
            if (first.contains("`" + word + "(") || first.contains("." + word + "(")) {
                return row;
            }
        }
        return null;
    }
}
