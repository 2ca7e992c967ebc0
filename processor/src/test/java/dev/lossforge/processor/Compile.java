package dev.lossforge.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/** Compiles sources in memory with LossForge's processor, on the test classpath (runtime and ND4J). */
final class Compile {
    private Compile() {
    }

    static Compilation withLossForge(DslSource... sources) {
        JavaFileObject[] files = new JavaFileObject[sources.length];
        for (int i = 0; i < sources.length; i++) {
            files[i] = sources[i].file;
        }
        return javac().withProcessors(new LossProcessor()).compile(files);
    }

    /** Every diagnostic as javac would print it, for failure messages. */
    static String describe(Compilation c) {
        return c.diagnostics().stream()
                .map(d -> d.getKind() + " " + d.getLineNumber() + ":" + d.getColumnNumber() + " " + d.getMessage(null))
                .collect(Collectors.joining("\n"));
    }

    static boolean hasInternalFailure(Compilation c) {
        return c.diagnostics().stream().anyMatch(d -> d.getMessage(null).contains("lossforge.internal"));
    }

    static long errorCount(Compilation c) {
        return c.diagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).count();
    }
}
