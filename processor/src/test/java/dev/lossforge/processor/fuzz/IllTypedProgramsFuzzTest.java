package dev.lossforge.processor.fuzz;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Property: a program with one mistake fails to compile with exactly one LossForge error, tagged as the mistake
 * requires ({@code [lossforge.shape]}, {@code [lossforge.dim]}, ...), never a {@code [lossforge.internal]} one, and
 * javac never crashes. Programs come from {@link IllTypedGenerator} with a fixed seed, 50 to a source file (each
 * method's errors are told apart by line); see {@link FuzzSettings} for a longer run.
 */
class IllTypedProgramsFuzzTest {
    static final int PER_BATCH = 50;

    record Result(int programs, List<String> failures, Map<String, Integer> byTag) {
    }

    @Test
    void everyIllTypedProgramGetsExactlyOneCleanLossForgeError() {
        int total = 3 * FuzzSettings.PROGRAMS;
        int batches = (total + PER_BATCH - 1) / PER_BATCH;
        long t0 = System.nanoTime();
        List<Result> results = Batch.parallel(batches, b -> runBatch(b, Math.min(PER_BATCH, total - b * PER_BATCH)));
        int programs = 0;
        List<String> failures = new ArrayList<>();
        Map<String, Integer> byTag = new TreeMap<>();
        for (Result r : results) {
            programs += r.programs();
            failures.addAll(r.failures());
            r.byTag().forEach((k, v) -> byTag.merge(k, v, Integer::sum));
        }
        System.out.printf("ill-typed: %d programs %s, %d failures, %.1f s%n", programs, byTag, failures.size(), (System.nanoTime() - t0) / 1e9);
        assertWithMessage("%s failures of %s programs; the first:\n\n%s", failures.size(), programs,
                String.join("\n\n==========\n\n", failures.subList(0, Math.min(8, failures.size()))))
                .that(failures).isEmpty();
        assertWithMessage("error tags the mistakes covered").that(byTag.keySet())
                .containsAtLeast("shape", "dim", "index", "type", "arguments", "unsupported", "unknown", "result", "signature", "option");
    }

    @Test
    void theGeneratorsAreDeterministicForASeed() {
        for (String suite : List.of("ill", "well")) {
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (List<String> out : List.of(first, second)) {
                if (suite.equals("ill")) {
                    IllTypedGenerator.batch(42, "d", 30, new WellTypedGenerator.Avoid()).forEach(p -> out.add(p.text()));
                } else {
                    WellTypedGenerator g = new WellTypedGenerator(42, new WellTypedGenerator.Avoid());
                    for (int i = 0; i < 30; i++) out.add(g.next("d" + i).text());
                }
            }
            assertWithMessage(suite).that(second).isEqualTo(first);
        }
    }

    static Result runBatch(int b, int count) {
        long seed = FuzzSettings.seed("ill-typed", b);
        List<IllTypedGenerator.IllProgram> programs = IllTypedGenerator.batch(seed, "q" + b + "x", count, new WellTypedGenerator.Avoid());
        return check("I" + b, programs, seed);
    }

    static Result check(String className, List<IllTypedGenerator.IllProgram> programs, long seed) {
        List<String> failures = new ArrayList<>();
        Map<String, Integer> byTag = new TreeMap<>();
        List<Batch.Member> members = new ArrayList<>();
        for (IllTypedGenerator.IllProgram p : programs) {
            members.add(new Batch.Member(p.method(), Character.toUpperCase(p.method().charAt(0)) + p.method().substring(1) + "Loss", p.text()));
            byTag.merge(p.tag(), 1, Integer::sum);
        }
        Batch batch;
        try {
            batch = new Batch(className, members);
        } catch (Batch.JavacCrash e) {
            failures.add("javac crashed (seed " + seed + "): " + NumericOracle.trace(e.getCause()) + "\n" + e.source);
            return new Result(programs.size(), failures, byTag);
        }
        for (int i = 0; i < programs.size(); i++) {
            IllTypedGenerator.IllProgram p = programs.get(i);
            List<Batch.Diag> ds = batch.of(members.get(i));
            List<String> lossforge = ds.stream().filter(Batch.Diag::isError).map(Batch.Diag::message)
                    .filter(m -> m.startsWith("[lossforge.")).toList();
            List<String> internal = ds.stream().map(Batch.Diag::message).filter(m -> m.contains("[lossforge.internal]")).toList();
            String problem = null;
            if (!internal.isEmpty()) {
                problem = "an internal error";
            } else if (ds.stream().anyMatch(d -> d.isError() && d.inGeneratedCode())) {
                problem = "accepted, and the generated class does not compile";
            } else if (lossforge.isEmpty()) {
                problem = "no LossForge error";
            } else if (lossforge.size() > 1) {
                problem = lossforge.size() + " LossForge errors for one mistake";
            } else if (!lossforge.get(0).startsWith("[lossforge." + p.tag() + "]")) {
                problem = "a [lossforge." + p.tag() + "] error expected";
            }
            if (problem != null) {
                StringBuilder sb = new StringBuilder(problem + " for " + p.mistake() + " (seed " + seed + "):\n" + p.text() + "\ndiagnostics:\n");
                for (Batch.Diag d : ds) {
                    sb.append("  ").append(d.kind()).append(' ').append(d.line()).append(": ")
                            .append(d.message().lines().limit(8).reduce((a, c) -> a + "\n    " + c).orElse("")).append('\n');
                }
                failures.add(sb.toString());
            }
        }
        if (!batch.unattributed().isEmpty()) {
            failures.add("errors outside any method (seed " + seed + "): " + batch.unattributed());
        }
        return new Result(programs.size(), failures, byTag);
    }
}
