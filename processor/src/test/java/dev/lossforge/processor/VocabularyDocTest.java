package dev.lossforge.processor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.processor.ir.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/vocabulary.md documents every word of the op table: adding an op without its line fails the build. */
class VocabularyDocTest {
    @Test
    void everyDslWordIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "vocabulary.md"));
        for (String word : Op.dslNames()) {
            assertTrue(doc.contains("`" + word + "(") || doc.contains("." + word + "("),
                    "docs/vocabulary.md does not document '" + word + "'");
        }
    }
}
