package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One source that LossForge must refuse, with every error it must report: each error's message (a fragment
 * that starts with its tag, as {@code [lossforge.shape] cannot broadcast ...}) and where its caret goes.
 * The compilation must have exactly these errors: no more (no cascades), no fewer.
 */
final class NegativeCase {
    private static final Map<String, Compilation> COMPILED = new ConcurrentHashMap<>();

    /** An expected error: its message fragment, and its line fragment with '^' where the caret goes. */
    record ExpectedError(String message, String caret) {
    }

    final String name;
    final DslSource source;
    final List<ExpectedError> errors;

    private NegativeCase(String name, DslSource source, List<ExpectedError> errors) {
        this.name = name;
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    /**
     * @param name the behaviour, as a test name
     * @param members the class body: one or more {@code @Loss} methods
     * @param message the error's message fragment, starting with its tag
     * @param caret the line fragment with '^' where the caret must be
     */
    static NegativeCase error(String name, String members, String message, String caret) {
        return new NegativeCase(name, DslSource.of(members), List.of(new ExpectedError(message, caret)));
    }

    /** This case, also expecting another error. */
    NegativeCase and(String message, String caret) {
        List<ExpectedError> all = new ArrayList<>(errors);
        all.add(new ExpectedError(message, caret));
        return new NegativeCase(name, source, all);
    }

    /** Compiles once per case (the no-internal-failure test reuses it). */
    Compilation compile() {
        return COMPILED.computeIfAbsent(name + "\n" + source.text, k -> Compile.withLossForge(source));
    }

    /** Asserts failure with exactly the expected errors, each with its text, line and column. */
    void check() {
        Compilation c = compile();
        try {
            assertThat(c).failed();
            assertWithMessage("errors of\n%s\nwere:\n%s", source, Compile.describe(c))
                    .that(Compile.errorCount(c)).isEqualTo(errors.size());
            for (ExpectedError e : errors) {
                DslSource.Position p = source.caret(e.caret());
                assertThat(c).hadErrorContaining(e.message()).inFile(source.file).onLine(p.line()).atColumn(p.column());
            }
        } catch (AssertionError e) {
            // parameterized runs are listed by index in Maven's output: name the behaviour that failed
            AssertionError named = new AssertionError(name + ": " + e.getMessage());
            named.setStackTrace(e.getStackTrace());
            throw named;
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
