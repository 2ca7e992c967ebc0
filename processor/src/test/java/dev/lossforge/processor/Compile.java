package dev.lossforge.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import dev.lossforge.Loss;
import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Compiles sources in memory with LossForge's processor. The classpath is only what DSL sources and
 * generated classes compile against (the runtime, nd4j-api, nd4j-common): javac opens every jar of the
 * classpath on each compilation, and the test classpath's fifty jars would make each one three times slower.
 */
final class Compile {
    static final List<File> CLASSPATH = classpath(Loss.class, INDArray.class, Preconditions.class);

    private Compile() {
    }

    static Compilation withLossForge(DslSource... sources) {
        JavaFileObject[] files = new JavaFileObject[sources.length];
        for (int i = 0; i < sources.length; i++) {
            files[i] = sources[i].file;
        }
        return javac().withProcessors(new LossProcessor()).withClasspath(CLASSPATH).compile(files);
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

    private static List<File> classpath(Class<?>... fromJarsOf) {
        List<File> files = new ArrayList<>();
        for (Class<?> k : fromJarsOf) {
            try {
                files.add(new File(k.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return List.copyOf(files);
    }
}
