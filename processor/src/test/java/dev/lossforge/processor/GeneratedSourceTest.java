package dev.lossforge.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import org.junit.jupiter.api.Test;

/**
 * The class LossForge generates for a small loss, compared with a reviewed copy
 * ({@code src/test/resources/expected/}). The comparison is of syntax trees: formatting and comments may
 * change freely; any change to the code must be reviewed and the expected file updated with it.
 */
class GeneratedSourceTest {

    @Test
    void softMarginLossGeneratesTheReviewedClassWithoutWarnings() {
        // PyTorch's SoftMarginLoss, log(1 + exp(-y x)): short enough to review whole, yet with a fused program, a
        // derivative through softplus and a product rule. (The generated source is the same on every compilation:
        // KnownBugsTest.theGeneratedSourceIsTheSameOnEveryCompilation.)
        DslSource src = DslSource.of("""
                @Loss(name = "SoftMarginLoss", pred = "*d", target = "*d")
                static Tensor softMargin(Tensor input, Tensor target) {
                    return softplus(input.mul(target).neg());
                }
                """);

        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeededWithoutWarnings();
        assertThat(c).generatedSourceFile("demo.SoftMarginLoss")
                .hasSourceEquivalentTo(JavaFileObjects.forResource("expected/SoftMarginLoss.java"));
    }

    @Test
    void aValueOnlyTheLossReadsIsComputedOnlyWhenTheLossIsWanted() throws java.io.IOException {
        // NLLLoss's gather: the gradient of -gather(x) w is -w g scattered back, which reads no gathered value, so a
        // call for the gradient alone (DL4J's computeGradient) must not gather. exp(gather(x)) reads it: computed.
        DslSource src = DslSource.of("""
                @Loss(name = "GatherOnlyForTheLoss", pred = "N,C", target = "N")
                static Tensor nll(Tensor input, @Index("C") Tensor target, @Option(defaultValue = "1") @Shape("C") Tensor weight) {
                    Tensor w = take(weight, target);
                    return weighted(gather(input, 1, target).neg().mul(w), w);
                }

                @Loss(name = "GatherForTheGradientToo", pred = "N,C", target = "N")
                static Tensor expPicked(Tensor input, @Index("C") Tensor target, @Option(defaultValue = "1") @Shape("C") Tensor weight) {
                    Tensor w = take(weight, target);
                    return weighted(exp(gather(input, 1, target)).mul(w), w);
                }
                """);

        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeededWithoutWarnings();
        String lossOnly = c.generatedSourceFile("demo.GatherOnlyForTheLoss").orElseThrow().getCharContent(true).toString();
        com.google.common.truth.Truth.assertWithMessage(lossOnly).that(lossOnly)
                .containsMatch("if \\(wanted\\.loss\\(\\)\\) \\{\\s*// gather\\(input, 1, target\\)\\s*INDArray \\w+ = IndexKernels\\.gather");
        String both = c.generatedSourceFile("demo.GatherForTheGradientToo").orElseThrow().getCharContent(true).toString();
        com.google.common.truth.Truth.assertWithMessage(both).that(both).doesNotContain("wanted.loss()) {");
    }

    @Test
    void localsAreNamedByRoleAndLossForgeTypesAreImported() throws java.io.IOException {
        // two declarations (a shape binding picks one), unbatched calls, a ?: on an option, meanDividedBy (a
        // condition on the reduction) and the same ops applied to different values: every naming and import case
        DslSource src = DslSource.of("""
                @Loss(name = "PickLoss", pred = "N,C", target = "N", optionalBatch = "N")
                static Tensor pick(Tensor input, @Index("C") Tensor target, @Option(defaultValue = "0.5") double a,
                        @Option(defaultValue = "true") boolean smooth) {
                    Tensor p = gather(input, 1, target).neg();
                    Tensor q = smooth ? p.mul(a).mul(p).neg() : p.mul(1.0 - a).neg();
                    return meanDividedBy(q.mul(q), q.add(2.0));
                }

                @Loss(name = "PickLoss", pred = "N,C", target = "N,C", optionalBatch = "N")
                static Tensor pickProbabilities(Tensor input, Tensor target, @Option(defaultValue = "0.5") double a,
                        @Option(defaultValue = "true") boolean smooth) {
                    return input.mul(target).mul(a).neg().mul(input).neg();
                }
                """);

        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeededWithoutWarnings();
        String code = c.generatedSourceFile("demo.PickLoss").orElseThrow().getCharContent(true).toString();
        java.util.regex.Matcher local = java.util.regex.Pattern.compile("INDArray (\\w+) =").matcher(code);
        int locals = 0;
        while (local.find()) {
            locals++;
            com.google.common.truth.Truth.assertWithMessage(code).that(local.group(1)).doesNotMatch(".*_");
        }
        com.google.common.truth.Truth.assertThat(locals).isGreaterThan(10);
        for (String line : code.split("\n")) {
            if (!line.startsWith("import ") && !line.startsWith("package ") && !line.contains("@Generated") && !line.contains("value = ")
                    && !line.contains("comments = ")) {
                com.google.common.truth.Truth.assertWithMessage(code).that(line).doesNotContain("dev.lossforge.");
            }
        }
    }
}
