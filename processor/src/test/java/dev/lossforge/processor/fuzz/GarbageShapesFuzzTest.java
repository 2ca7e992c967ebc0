package dev.lossforge.processor.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.lossforge.shape.ShapeSpec;
import dev.lossforge.shape.ShapeSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Property: any string in a shape attribute ({@code pred}, {@code target}, {@code result}, {@code @Shape} of an
 * input or of a tensor option) is either a shape, and then compiles (or fails with a LossForge shape or result
 * error) into a class that loads, or it is not, and then gets exactly one {@code [lossforge.shape-syntax]} error
 * quoting it; never a {@code [lossforge.internal]} error nor a javac crash. Which it is, is what
 * {@link ShapeSpec#parse} (the runtime's parser, shared with generated code) says. Strings are random characters,
 * truncations and mutations of valid shapes, and odd cases; 60 methods to a source file.
 */
class GarbageShapesFuzzTest {
    static final int PER_BATCH = 60;

    private static final String[] VALID = {"N,C", "N,C,*d", "*d", "N", "(N,C)", "#N,C", "N*T,C", "C-1", "2*N", "_,C", "*", "N,*,C",
            "(C-1)*2", "N, C, D", "", "()", "3", "N,#C", "*batch,C", "x1,y_2", "N+1,C"};
    private static final String[] ODD = {"99999999999999999999", "N,99999999999999999999", "9223372036854775807", "9223372036854775808",
            "-1", "0", "N,0", "(N", "N)", "((N))", "(N))", "N,,C", ",", ",N", "N,", "*", "*,*", "**d", "*d,*e", "*d,*d", "#", "#3", "#(N)", "#_",
            "N-", "2*", "*2", "N**2", "C--1", "C+-1", "N C", " ", "_", "_,_", "__", "*_", "1e3", "0x10", "N.C", "N;C", "N\tC", "ℕ,C", "N,C\n",
            "(", ")", "()()", "(,)", "((", "N(C)", "N*(C", "N*", "+N", "-N", "N-2*C+3", "2147483648", "N*0", "C-C", "*d,", "#N,#N", "*1",
            "\\", "\"", "N\"C", "1_000", "N//C", "N/2", "(N,C),(D)", "d", "*d*2", "#*d", "N,*d,#C,_,3"};
    private static final String ALPHABET = "NCDTdxy_*#,()+-/ 0123456789.;:'\"\\$@!%^&[]{}<>?|~`αβ\t";

    record Result(int programs, List<String> failures, Map<String, Integer> outcomes) {
    }

    @Test
    void anyShapeStringIsAShapeOrACleanShapeSyntaxError() {
        int total = 2 * FuzzSettings.PROGRAMS;
        int batches = (total + PER_BATCH - 1) / PER_BATCH;
        long t0 = System.nanoTime();
        List<Result> results = Batch.parallel(batches, b -> runBatch(b, Math.min(PER_BATCH, total - b * PER_BATCH)));
        int programs = 0;
        List<String> failures = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Result r : results) {
            programs += r.programs();
            failures.addAll(r.failures());
            r.outcomes().forEach((k, v) -> outcomes.merge(k, v, Integer::sum));
        }
        System.out.printf("garbage shapes: %d programs %s, %d failures, %.1f s%n", programs, outcomes, failures.size(), (System.nanoTime() - t0) / 1e9);
        assertWithMessage("%s failures of %s programs; the first:\n\n%s", failures.size(), programs,
                String.join("\n\n==========\n\n", failures.subList(0, Math.min(8, failures.size()))))
                .that(failures).isEmpty();
        assertWithMessage("outcomes").that(outcomes.keySet()).containsAtLeast("syntax error", "parses, compiles");
    }

    /** A random string: random characters, a mutated or truncated valid shape, or an odd case. */
    static String garbage(Random rnd) {
        int r = rnd.nextInt(10);
        if (r < 3) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(10);
            for (int i = 0; i < n; i++) sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
            return sb.toString();
        }
        if (r < 5) {
            return ODD[rnd.nextInt(ODD.length)];
        }
        StringBuilder sb = new StringBuilder(VALID[rnd.nextInt(VALID.length)]);
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = sb.length() == 0 ? 0 : rnd.nextInt(sb.length());
            switch (rnd.nextInt(6)) {
                case 0 -> sb.insert(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                case 1 -> {
                    if (sb.length() > 0) sb.deleteCharAt(at);
                }
                case 2 -> sb.setLength(at);
                case 3 -> {
                    if (sb.length() > 0) sb.insert(at, sb.charAt(at));
                }
                case 4 -> {
                    if (sb.length() > 1 && at + 1 < sb.length()) {
                        char c = sb.charAt(at);
                        sb.setCharAt(at, sb.charAt(at + 1));
                        sb.setCharAt(at + 1, c);
                    }
                }
                default -> {
                    if (sb.length() > 0) sb.setCharAt(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                }
            }
        }
        return sb.toString();
    }

    /** The string as a Java string literal's contents. */
    static String javaLiteral(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String squeeze(String s) {
        return s.replaceAll("\\s+", "");
    }

    /** Where a garbage string goes, and the method around it. */
    record Case(String method, String text, String garbage, String where, Boolean parses, String parseFailure) {
    }

    static Case next(Random rnd, String method) {
        String g = garbage(rnd);
        String lit = javaLiteral(g);
        int where = rnd.nextInt(5);
        String text = switch (where) {
            case 0 -> """
                    @Loss(pred = "%s")
                    static Tensor %s(Tensor input) {
                        return %s;
                    }
                    """.formatted(lit, method, rnd.nextBoolean() ? "input" : "square(input).add(1.0)");
            case 1 -> """
                    @Loss(pred = "N,C", target = "%s")
                    static Tensor %s(Tensor input, Tensor target) {
                        return square(input);
                    }
                    """.formatted(lit, method);
            case 2 -> """
                    @Loss(pred = "N,C", result = "%s")
                    static Tensor %s(Tensor input) {
                        return %s;
                    }
                    """.formatted(lit, method, rnd.nextBoolean() ? "input" : "sum(input, 1)");
            case 3 -> """
                    @Loss(pred = "N,C", target = "N,C")
                    static Tensor %s(Tensor input, Tensor target, @Shape("%s") Tensor third) {
                        return input.sub(target);
                    }
                    """.formatted(method, lit);
            default -> """
                    @Loss(pred = "N,C")
                    static Tensor %s(Tensor input, @Option(defaultValue = "1") @Shape("%s") Tensor weight) {
                        return input.mul(2.0);
                    }
                    """.formatted(method, lit);
        };
        Boolean parses;
        String failure = null;
        try {
            ShapeSpec.parse(g);
            parses = true;
        } catch (ShapeSyntaxException e) {
            parses = false;
        } catch (RuntimeException e) {
            parses = null;
            failure = e.toString();
        }
        return new Case(method, text, g, new String[] {"pred", "target", "result", "@Shape", "@Shape of an option"}[where], parses, failure);
    }

    static Result runBatch(int b, int count) {
        long seed = FuzzSettings.seed("garbage-shapes", b);
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>();
        List<Batch.Member> members = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            Case c = next(rnd, "g" + b + "x" + i);
            cases.add(c);
            members.add(new Batch.Member(c.method(), Character.toUpperCase(c.method().charAt(0)) + c.method().substring(1) + "Loss", c.text()));
        }
        List<String> failures = new ArrayList<>();
        Batch batch;
        try {
            batch = new Batch("G" + b, members);
        } catch (Batch.JavacCrash e) {
            failures.add("javac crashed (seed " + seed + "): " + NumericOracle.trace(e.getCause()) + "\n" + e.source);
            return new Result(count, failures, outcomes);
        }
        ClassLoader loader = null;
        for (int i = 0; i < count; i++) {
            Case c = cases.get(i);
            List<Batch.Diag> ds = batch.of(members.get(i));
            List<String> errors = ds.stream().filter(Batch.Diag::isError).map(Batch.Diag::message).toList();
            List<String> syntax = errors.stream().filter(m -> m.startsWith("[lossforge.shape-syntax]")).toList();
            String problem = null;
            String outcome;
            if (errors.stream().anyMatch(m -> m.contains("[lossforge.internal]"))) {
                problem = "an internal error";
                outcome = "internal";
            } else if (c.parses() == null) {
                problem = "ShapeSpec.parse threw " + c.parseFailure() + ", not a ShapeSyntaxException";
                outcome = "parser threw";
            } else if (!c.parses()) {
                outcome = "syntax error";
                if (syntax.size() != 1 || errors.size() != 1) {
                    problem = "exactly one [lossforge.shape-syntax] error expected";
                } else if (!squeeze(syntax.get(0)).startsWith(squeeze("[lossforge.shape-syntax] bad shape \"" + c.garbage() + "\""))) {
                    // (javac indents the lines after a line break of a message)
                    problem = "the error does not quote the shape: " + javaLiteral(syntax.get(0));
                }
            } else if (!syntax.isEmpty()) {
                problem = "ShapeSpec.parse accepts it, but the processor reports a shape-syntax error";
                outcome = "parses";
            } else if (errors.stream().anyMatch(m -> !m.startsWith("[lossforge."))) {
                problem = "an error that is not LossForge's";
                outcome = "parses";
            } else if (errors.isEmpty()) {
                outcome = "parses, compiles";
                if (ds.stream().anyMatch(d -> d.isError() && d.inGeneratedCode())) problem = "the generated class does not compile";
            } else {
                outcome = "parses, refused: " + errors.get(0).substring(1, errors.get(0).indexOf(']'));
            }
            outcomes.merge(outcome, 1, Integer::sum);
            if (problem != null) {
                failures.add(problem + " for \"" + javaLiteral(c.garbage()) + "\" in " + c.where() + " (seed " + seed + "):\n" + c.text()
                        + "diagnostics:\n  " + String.join("\n  ", errors));
            }
        }
        // every generated class loads: its static initialiser parses the shapes again, at run time
        List<Batch.Member> accepted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (batch.of(members.get(i)).stream().noneMatch(Batch.Diag::isError)) accepted.add(members.get(i));
        }
        if (failures.isEmpty() && !accepted.isEmpty()) {
            Batch ok = batch.succeeded() ? batch : new Batch("G" + b + "ok", accepted);
            if (!ok.succeeded()) {
                failures.add("the accepted methods do not compile on their own (seed " + seed + "):\n" + ok.compiled.describe());
                return new Result(count, failures, outcomes);
            }
            loader = ok.compiled.loader();
            for (Batch.Member m : accepted) {
                try {
                    Class<?> k = Class.forName("demo." + m.className(), true, loader);
                    Object loss = k.getConstructor().newInstance();
                    ((dev.lossforge.LossFunction) loss).signature();
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    failures.add("the generated class of " + m.method() + " does not load: " + NumericOracle.trace(e) + "\n" + m.text());
                }
            }
        }
        return new Result(count, failures, outcomes);
    }
}
