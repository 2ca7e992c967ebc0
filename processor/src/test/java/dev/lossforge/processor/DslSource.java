package dev.lossforge.processor;

import com.google.testing.compile.JavaFileObjects;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.JavaFileObject;

/**
 * A source file of {@code @Loss} methods, as a user writes one: package {@code demo}, the DSL's imports,
 * and one class holding the given members. Finds the line and column of a fragment for position assertions.
 */
final class DslSource {
    static final String PACKAGE = "demo";

    private static final String HEADER = """
            package demo;

            import static dev.lossforge.dsl.Ops.*;

            import dev.lossforge.Index;
            import dev.lossforge.Loss;
            import dev.lossforge.Option;
            import dev.lossforge.Shape;
            import dev.lossforge.dsl.Ops;
            import dev.lossforge.dsl.Tensor;
            import java.util.function.UnaryOperator;

            """;

    final String className;
    final String text;
    final JavaFileObject file;

    private DslSource(String className, String text) {
        this.className = className;
        this.text = text;
        this.file = JavaFileObjects.forSourceString(PACKAGE + "." + className, text);
    }

    /** A class {@code demo.Losses} with {@code members} (a text block of methods) as its body. */
    static DslSource of(String members) {
        return named("Losses", members);
    }

    static DslSource named(String className, String members) {
        String body = members.lines().map(l -> l.isBlank() ? "" : "    " + l).collect(Collectors.joining("\n"));
        return new DslSource(className, HEADER + "final class " + className + " {\n" + body + "\n}\n");
    }

    /** A 1-based line and column. */
    record Position(long line, long column) {
        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    /**
     * Where the caret of {@code marked} points: {@code marked} is a fragment of exactly one line of this
     * file with a {@code ^} inserted before the character the caret must be under, as in
     * {@code "return square(input^.sub(target));"}.
     */
    Position caret(String marked) {
        int mark = marked.indexOf('^');
        if (mark < 0 || marked.indexOf('^', mark + 1) >= 0) {
            throw new IllegalArgumentException("mark the caret with exactly one '^': " + marked);
        }
        String fragment = marked.substring(0, mark) + marked.substring(mark + 1);
        List<String> lines = text.lines().toList();
        Position found = null;
        for (int i = 0; i < lines.size(); i++) {
            int at = lines.get(i).indexOf(fragment);
            if (at >= 0) {
                if (found != null || lines.get(i).indexOf(fragment, at + 1) >= 0) {
                    throw new IllegalArgumentException("'" + fragment + "' occurs more than once in\n" + text);
                }
                found = new Position(i + 1, at + mark + 1);
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("'" + fragment + "' does not occur in\n" + text);
        }
        return found;
    }

    @Override
    public String toString() {
        return text;
    }
}
