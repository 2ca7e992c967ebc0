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
}
