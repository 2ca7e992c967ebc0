package dev.lossforge.processor.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.lossforge.processor.ir.Op;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Property: every well-typed program compiles without a {@code [lossforge.internal]} error, and the class it
 * generates agrees with the DSL run eagerly, with finite differences and with itself across reductions
 * ({@link NumericOracle}). Programs come from {@link WellTypedGenerator} with a fixed seed, 40 to a source file;
 * every fifth shares its class with a second declaration ({@link #secondDeclaration});
 * see {@link FuzzSettings} for a longer run.
 */
class WellTypedProgramsFuzzTest {
    static final int PER_BATCH = 40;

    /** What one batch found. */
    record Result(int programs, int checked, int kinked, int nonFinite, List<String> failures, Set<String> words, long compileNanos, long checkNanos) {
    }

    @Test
    void wellTypedProgramsCompileAndAgreeWithTheEagerDslAndWithFiniteDifferences() {
        int batches = (FuzzSettings.PROGRAMS + PER_BATCH - 1) / PER_BATCH;
        long t0 = System.nanoTime();
        List<Result> results = Batch.parallel(batches, b -> runBatch(b, Math.min(PER_BATCH, FuzzSettings.PROGRAMS - b * PER_BATCH)));
        int programs = 0, checked = 0, kinked = 0, nonFinite = 0;
        long compileNanos = 0, checkNanos = 0;
        List<String> failures = new ArrayList<>();
        Set<String> words = new TreeSet<>();
        for (Result r : results) {
            programs += r.programs();
            checked += r.checked();
            kinked += r.kinked();
            nonFinite += r.nonFinite();
            failures.addAll(r.failures());
            words.addAll(r.words());
            compileNanos += r.compileNanos();
            checkNanos += r.checkNanos();
        }
        System.out.printf("well-typed: %d programs, %d checked numerically, %d skipped at kinks, %d non-finite, %d failures, %.1f s"
                + " (compiling %.1f s, checking %.1f s, over all threads)%n", programs, checked, kinked, nonFinite, failures.size(),
                (System.nanoTime() - t0) / 1e9, compileNanos / 1e9, checkNanos / 1e9);
        assertWithMessage("%s failures of %s programs; the first:\n\n%s", failures.size(), programs,
                String.join("\n\n==========\n\n", failures.subList(0, Math.min(8, failures.size()))))
                .that(failures).isEmpty();
        Set<String> missing = new TreeSet<>(Op.dslNames());
        missing.removeAll(words);
        assertWithMessage("DSL words no program used").that(missing).isEmpty();
        assertWithMessage("programs skipped at kinks").that(kinked).isAtMost(Math.max(5, programs / 50));
    }

    static Result runBatch(int b, int count) {
        long seed = FuzzSettings.seed("well-typed", b);
        WellTypedGenerator gen = new WellTypedGenerator(seed, new WellTypedGenerator.Avoid());
        List<Program> programs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Program p = gen.next("p" + b + "x" + i);
            Program other = i % 5 == 0 ? secondDeclaration(p) : null;
            if (other != null) {
                programs.add(other); // first: a call runs the first declaration its inputs bind
            }
            programs.add(p);
        }
        return check("W" + b, programs, seed);
    }

    /**
     * Another declaration of p's class, declared before it: the square of its first rank-6 input (less the second),
     * with as many inputs as p and p's options (declarations of one class share them). Rank 6 binds nothing p declares,
     * so each program's calls run its own declaration, and both are checked. Null where p's inputs could bind it
     * (rank 6) or p drops a batch dim.
     */
    static Program secondDeclaration(Program p) {
        if (p.optionalBatch() || p.inputs().stream().anyMatch(in -> in.shape().length == 6)) {
            return null;
        }
        long classes = 3;
        for (Program.Param o : p.params()) {
            if (o.kind() == Program.Kind.OPT_TENSOR && o.shape().length == 1) {
                classes = o.shape()[0]; // a @Shape("C") option: C is the same dim here
            }
        }
        long[] shape = {2, 1, classes, 1, 2, 1};
        List<Program.Param> params = new ArrayList<>();
        List<String> declarations = new ArrayList<>();
        for (int i = 0; i < p.inputs().size(); i++) {
            params.add(new Program.Param("in6x" + i, Program.Kind.VALUE, shape, -1, 1, null, false));
            declarations.add("Tensor in6x" + i);
        }
        String body = p.inputs().size() == 1 ? "square(in6x0)" : "square(in6x0.sub(in6x1))";
        List<String> declared = parameters(p.text());
        for (int i = 0; i < p.params().size(); i++) {
            if (p.params().get(i).kind().isOption()) {
                params.add(p.params().get(i));
                declarations.add(declared.get(i));
            }
        }
        String method = p.method() + "Rank6";
        String shapes = p.inputs().size() == 1 ? "pred = \"A,B,C,D,E,F\"" : "pred = \"A,B,C,D,E,F\", target = \"A,B,C,D,E,F\"";
        for (int i = 2; i < p.inputs().size(); i++) {
            declarations.set(i, "@Shape(\"A,B,C,D,E,F\") " + declarations.get(i));
        }
        String text = "@Loss(name = \"" + p.className() + "\", " + shapes + ")\n"
                + "static Tensor " + method + "(" + String.join(", ", declarations) + ") {\n    return " + body + ";\n}\n";
        return new Program(method, p.className(), text, params, true, null, Set.of("square", "sub"), false, false);
    }

    /** The parameter declarations of a method's text, split at the commas outside parentheses. */
    private static List<String> parameters(String text) {
        int open = text.indexOf('(', text.indexOf("static Tensor "));
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = open + 1;
        for (int i = open + 1; depth >= 0; i++) {
            char c = text.charAt(i);
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (depth < 0 || depth == 0 && c == ',') {
                out.add(text.substring(start, i).trim());
                start = i + 1;
            }
        }
        return out;
    }

    /** Compiles the programs as one source, then checks each numerically; failures carry the program's text. */
    static Result check(String className, List<Program> programs, long seed) {
        List<String> failures = new ArrayList<>();
        Set<String> words = new TreeSet<>();
        programs.forEach(p -> words.addAll(p.words()));
        Map<String, Program> byMethod = new TreeMap<>();
        List<Batch.Member> members = new ArrayList<>();
        for (Program p : programs) {
            members.add(new Batch.Member(p.method(), p.className(), p.text()));
            byMethod.put(p.method(), p);
        }
        List<Program> ok = new ArrayList<>(programs);
        Batch batch = null;
        long t0 = System.nanoTime();
        for (int round = 0; round < 4; round++) {
            List<Batch.Member> current = members.stream().filter(m -> ok.contains(byMethod.get(m.method()))).toList();
            if (current.isEmpty()) break;
            try {
                batch = new Batch(className + (round == 0 ? "" : "r" + round), current);
            } catch (Batch.JavacCrash e) {
                failures.add("javac crashed (seed " + seed + "): " + NumericOracle.trace(e.getCause()) + "\n" + e.source);
                return new Result(programs.size(), 0, 0, 0, failures, words, 0, 0);
            }
            boolean clean = true;
            for (Batch.Member m : current) {
                List<Batch.Diag> ds = batch.of(m);
                List<String> errors = ds.stream().filter(Batch.Diag::isError).map(d -> (d.inGeneratedCode() ? "in " + m.className()
                        + ".java:" + d.line() + ": " : "") + d.message()).toList();
                List<String> internal = ds.stream().filter(d -> d.message().contains("[lossforge.internal]")).map(Batch.Diag::message).toList();
                if (!errors.isEmpty() || !internal.isEmpty()) {
                    clean = false;
                    ok.remove(byMethod.get(m.method()));
                    failures.add("a well-typed program was rejected (seed " + seed + "):\n" + m.text() + "\nerrors:\n"
                            + String.join("\n", (internal.isEmpty() ? errors : internal).stream().map(WellTypedProgramsFuzzTest::firstLines).toList()));
                }
            }
            if (!batch.unattributed().isEmpty()) {
                failures.add("errors outside any method (seed " + seed + "):\n" + batch.unattributed() + "\n" + batch.compiled.text());
                return new Result(programs.size(), 0, 0, 0, failures, words, 0, 0);
            }
            if (clean) break;
        }
        if (batch == null || !batch.succeeded()) {
            return new Result(programs.size(), 0, 0, 0, failures, words, 0, 0);
        }
        long t1 = System.nanoTime();
        long compileNanos = t1 - t0;
        ClassLoader loader = batch.compiled.loader();
        int checked = 0, kinked = 0, nonFinite = 0;
        Class<?> declaring;
        try {
            declaring = loader.loadClass("demo." + batch.className);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        for (Program p : ok) {
            try {
                Class<?> loss = loader.loadClass("demo." + p.className());
                Method eager = null;
                for (Method m : declaring.getDeclaredMethods()) {
                    if (m.getName().equals(p.method())) eager = m;
                }
                eager.setAccessible(true);
                NumericOracle.Status s = NumericOracle.check(p, loss, eager, seed ^ p.method().hashCode());
                checked++;
                if (s == NumericOracle.Status.KINKED) kinked++;
                if (s == NumericOracle.Status.NON_FINITE) nonFinite++;
            } catch (NumericOracle.Mismatch e) {
                failures.add(e.getMessage() + "\nprogram (seed " + seed + "):\n" + p.text());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                failures.add("loading or running threw " + NumericOracle.trace(e) + "\nprogram (seed " + seed + "):\n" + p.text());
            }
        }
        return new Result(programs.size(), checked, kinked, nonFinite, failures, words, compileNanos, System.nanoTime() - t1);
    }

    private static String firstLines(String message) {
        return message.lines().limit(12).reduce((a, b) -> a + "\n" + b).orElse("");
    }
}
