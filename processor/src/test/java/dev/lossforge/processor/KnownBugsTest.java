package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.lossforge.processor.NegativeCase.error;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bugs found by this suite outside the parser, shape inference and diagnostics (the emitter, the
 * differentiator, the runtime's shape parser), each fixed and kept as a regression test: it fails if the bug returns.
 */
class KnownBugsTest {

    @Test
    void theGeneratedSourceIsTheSameOnEveryCompilation() throws IOException {
        Set<String> variants = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Compilation c = Compile.withLossForge(DslSource.of("""
                    @Loss(pred = "*d", target = "*d")
                    static Tensor mse(Tensor input, Tensor target) {
                        return square(input.sub(target));
                    }
                    """));
            variants.add(c.generatedSourceFile("demo.MseLoss").orElseThrow().getCharContent(true).toString());
        }
        assertWithMessage("distinct generated sources").that(variants).hasSize(1);
    }

    @Test
    void twoVariadicsAfterAProductAreReportedAtTheSecondVariadic() {
        error("twoVariadicsAfterAProductAreReportedAtTheSecondVariadic", """
                @Loss(pred = "2*N,*a,*b")
                static Tensor loss(Tensor input) {
                    return input;
                }
                """,
                "[lossforge.shape-syntax] bad shape \"2*N,*a,*b\": at most one variadic dim ('*' or '*name') per shape (at column 8)",
                "@Loss(pred = ^\"2*N,*a,*b\")").check();
    }

    @Test
    void aTensorOptionDefaultWithAnExponentGeneratesAClassThatCompiles() {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N")
                static Tensor loss(Tensor input, @Option(defaultValue = "1e-3") Tensor eps) {
                    return log(input.add(eps));
                }
                """));
        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"inputs", "in", "value", "gradOutput"})
    void anInputNamedLikeALocalOfTheGeneratedCodeGeneratesAClassThatCompiles(String name) {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N", target = "N")
                static Tensor loss(Tensor %1$s, Tensor target) {
                    return square(%1$s.sub(target));
                }
                """.formatted(name)));
        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"@Option(defaultValue = \"2\") double dtype", "@Option(defaultValue = \"1\") Tensor dims"})
    void anOptionNamedLikeAMemberOfTheGeneratedCodeGeneratesAClassThatCompiles(String option) {
        String name = option.substring(option.lastIndexOf(' ') + 1);
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N")
                static Tensor loss(Tensor input, %s) {
                    return input.mul(%s);
                }
                """.formatted(option, name)));
        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
    }

    @Test
    void aConstantLossIsAClearError() {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N")
                static Tensor loss(Tensor input) {
                    return constant(2.0);
                }
                """));
        assertThat(Compile.describe(c)).contains("[lossforge.signature] the loss is the constant constant(2.0); a loss must depend on an input");
    }

    // an option named like a generated constant: GeneratedNamesTest covers every reserved name

    /** Found by the fuzz suite: a fused program whose only gradient is the seed itself failed in its class initializer. */
    @Test
    void aLossWhoseGradientIsTheSeedItselfRunsOnTheFusedPath() throws Exception {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N", target = "N")
                static Tensor shifted(Tensor input, Tensor unused) {
                    return input.sub(2.0);
                }
                """));
        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
        dev.lossforge.LossFunction loss = (dev.lossforge.LossFunction) new GeneratedClassLoader(c).loadClass("demo.ShiftedLoss")
                .getConstructor().newInstance();
        org.nd4j.linalg.api.ndarray.INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(1f, 2f, 3f);
        org.nd4j.linalg.api.ndarray.INDArray[] grads = loss.backward(org.nd4j.linalg.factory.Nd4j.scalar(3f), x, x);
        assertThat(grads[0].toFloatVector()).usingExactEquality().containsExactly(1f, 1f, 1f).inOrder();
        assertThat(loss.forward(x, x).getFloat(0)).isEqualTo(0f);
    }
}
