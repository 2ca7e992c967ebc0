package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.lossforge.processor.NegativeCase.error;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bugs found by this suite outside the parser, shape inference and diagnostics (the emitter, the
 * differentiator, the runtime's shape parser). Each test fails today; remove its {@code @Disabled} with the fix.
 */
class KnownBugsTest {

    @Test
    @Disabled("bug (grad/Differentiator): a gradient shared by two forward nodes is named after whichever an"
            + " IdentityHashMap iterates first, so MSE's input gradient is gradInput in one build and gradSub in another")
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
    @Disabled("bug (runtime ShapeSpec.parse): the second variadic's column is that of the second '*' of the string,"
            + " which is a product's '*' in \"2*N,*a,*b\": it says column 5 instead of 8")
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
    @Disabled("bug (emit/LossWriter.prepare): a tensor option's default is copied with \".0\" appended unless it has a"
            + " '.', so \"1e-3\" becomes 1e-3.0 and the generated class does not compile")
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
    @Disabled("bug (emit/LossWriter): inputs become locals under their own names, which collide with the generated"
            + " methods' parameters and locals (inputs, in, value, gradOutput): the class does not compile")
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
    @ValueSource(strings = {"@Option(defaultValue = \"2\") double NAME", "@Option(defaultValue = \"1\") Tensor dims"})
    @Disabled("bug (emit/LossWriter): options become fields and prepare() reads tensor options by name, so an option"
            + " named NAME (the loss-name constant) or dims (prepare's ShapeBinder) breaks the generated class")
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
    @Disabled("bug (emit/LossWriter): a loss that is a constant, as 'return constant(2.0);', passes the double to"
            + " Reductions.reduce where an INDArray is expected: the generated class does not compile")
    void aConstantLossGeneratesAClassThatCompiles() {
        Compilation c = Compile.withLossForge(DslSource.of("""
                @Loss(pred = "N")
                static Tensor loss(Tensor input) {
                    return constant(2.0);
                }
                """));
        assertThat(Compile.describe(c)).doesNotContain("ERROR");
    }
}
