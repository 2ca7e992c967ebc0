package dev.lossforge.processor.fuzz;

import com.google.testing.compile.Compilation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * Several {@code @Loss} methods compiled as one source file (javac's start-up paid once per batch), with each
 * diagnostic traced back to the method it belongs to: by line in the source, or by the generated class's file.
 */
final class Batch {
    /** One method of a batch: its name, the class it generates, and its text. */
    record Member(String method, String className, String text) {
    }

    /** A diagnostic of the compilation, with the method it belongs to (null when none). */
    record Diag(Member member, Diagnostic.Kind kind, String message, boolean inGeneratedCode, long line) {
        boolean isError() {
            return kind == Diagnostic.Kind.ERROR;
        }
    }

    final String className;
    final List<Member> members;
    final Harness.Compiled compiled;
    final List<Diag> diagnostics = new ArrayList<>();

    Batch(String className, List<Member> members) {
        this.className = className;
        this.members = List.copyOf(members);
        StringBuilder text = new StringBuilder();
        for (Member m : members) {
            text.append(m.text()).append('\n');
        }
        Harness.Compiled c;
        try {
            c = Harness.compile(className, text.toString());
        } catch (RuntimeException | Error e) {
            // javac itself crashed: compile-testing rethrows it
            throw new JavacCrash(className, text.toString(), e);
        }
        this.compiled = c;
        attribute();
    }

    /** javac or the processor threw out of the compilation, instead of reporting an error. */
    static final class JavacCrash extends RuntimeException {
        final String source;

        JavacCrash(String className, String source, Throwable cause) {
            super("compiling " + className + " crashed: " + cause, cause);
            this.source = source;
        }
    }

    private void attribute() {
        List<String> lines = compiled.text().lines().toList();
        // the line (1-based) where each member's text starts: members are in order, each indented by DslSource
        Map<Member, Long> starts = new LinkedHashMap<>();
        int cursor = 0;
        for (Member m : members) {
            String first = m.text().lines().findFirst().orElse("").strip();
            for (int i = cursor; i < lines.size(); i++) {
                if (lines.get(i).strip().equals(first)) {
                    starts.put(m, (long) i + 1);
                    cursor = i + 1;
                    break;
                }
            }
        }
        Compilation c = compiled.compilation();
        for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) {
            String message = d.getMessage(null);
            JavaFileObject source = d.getSource();
            String file = source == null ? "" : source.toUri().getPath();
            boolean generated = source != null && !file.endsWith("/" + className + ".java");
            Member owner = null;
            if (generated) {
                for (Member m : members) {
                    if (file.endsWith("/" + m.className() + ".java")) owner = m;
                }
            } else if (source != null) {
                long line = d.getLineNumber();
                long best = -1;
                for (Map.Entry<Member, Long> e : starts.entrySet()) {
                    if (e.getValue() <= line && e.getValue() > best) {
                        best = e.getValue();
                        owner = e.getKey();
                    }
                }
            }
            diagnostics.add(new Diag(owner, d.getKind(), message, generated, d.getLineNumber()));
        }
    }

    boolean succeeded() {
        return compiled.succeeded();
    }

    List<Diag> of(Member m) {
        return diagnostics.stream().filter(d -> d.member() == m).toList();
    }

    List<Diag> unattributed() {
        return diagnostics.stream().filter(d -> d.member() == null && d.isError()).toList();
    }

    /** Runs {@code count} tasks on {@link FuzzSettings#THREADS} threads, returning their results in order. */
    static <T> List<T> parallel(int count, IntFunction<T> task) {
        ExecutorService pool = Executors.newFixedThreadPool(FuzzSettings.THREADS);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int b = i;
                futures.add(pool.submit(() -> task.apply(b)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
