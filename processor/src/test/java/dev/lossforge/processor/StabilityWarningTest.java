package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code [lossforge.stability]} warnings: one per rewrite of an unstable form (naming the stable form, with the
 * caret under the user's expression) and one per value that can obviously be 0 under sqrt, log, a division or a
 * power below 1; none for forms written with care; silenced by {@code @SuppressWarnings("lossforge.stability")} or
 * {@code -Alossforge.stability=quiet}. The numbers the rewritten forms compute are pinned by StabilityGoldenTest.
 */
class StabilityWarningTest {

    static Stream<Arguments> rewrites() {
        return Stream.of(
                Arguments.of("return log(softmax(x, 1));", "^log(softmax",
                        "log(softmax(x, 1)) is rewritten as logSoftmax(x, 1): softmax underflows to 0"),
                Arguments.of("return log(sigmoid(x));", "^log(sigmoid", "log(sigmoid(x)) is rewritten as logSigmoid(x): sigmoid underflows"),
                Arguments.of("return Ops.log(Ops.sigmoid(x));", "Ops^.log", "Ops.log(Ops.sigmoid(x)) is rewritten as logSigmoid(x)"),
                Arguments.of("return log(constant(1.0).sub(sigmoid(x)));", "^log(constant",
                        "log(constant(1.0).sub(sigmoid(x))) is rewritten as logSigmoid(x.neg()): 1 - sigmoid rounds to 0"),
                Arguments.of("return log(constant(1).add(t));", "^log(constant", "log(constant(1).add(t)) is rewritten as log1p(t): 1 + u rounds"),
                Arguments.of("return log(t.add(1.0));", "^log(t", "log(t.add(1.0)) is rewritten as log1p(t)"),
                Arguments.of("return log(t.mul(2.0).add(1e0));", "^log(t", "log(t.mul(2.0).add(1.0)) is rewritten as log1p(t.mul(2.0))"),
                Arguments.of("return log(constant(1.0).sub(t));", "^log(constant", "log(constant(1.0).sub(t)) is rewritten as log1p(t.neg())"),
                Arguments.of("return log(sum(exp(x), 1));", "^log(sum", "log(sum(exp(x), 1)) is rewritten as logsumexp(x, 1): exp overflows"),
                Arguments.of("return log(exp(x)).mul(t);", "^log(exp", "log(exp(x)) is rewritten as x: exp overflows"),
                Arguments.of("return log(exp(x));", "^log(exp", "log(exp(x)) is rewritten as x: exp overflows"),
                Arguments.of("return exp(x).sub(1.0);", "exp(x)^.sub", "exp(x).sub(1.0) is rewritten as expm1(x): exp(u) - 1 cancels"),
                Arguments.of("return exp(x).sub(constant(1.0));", "exp(x)^.sub", "exp(x).sub(constant(1.0)) is rewritten as expm1(x)"),
                Arguments.of("return sqrt(square(x.sub(t)));", "^sqrt(square", "sqrt(square(x.sub(t))) is rewritten as abs(x.sub(t))"),
                Arguments.of("return sqrt(x.pow(2));", "^sqrt(x", "sqrt(x.pow(2)) is rewritten as abs(x)"),
                Arguments.of("return sqrt(x.mul(x));", "^sqrt(x", "sqrt(x.mul(x)) is rewritten as abs(x)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rewrites")
    void eachRewriteIsOneWarningUnderTheUsersExpressionNamingTheStableForm(String body, String caret, String message) {
        DslSource src = source(body);
        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeeded();
        assertOnlyWarning(c, src, "[lossforge.stability] " + message, caret);
    }

    static Stream<Arguments> hazards() {
        return Stream.of(
                Arguments.of("return sqrt(sum(square(x.sub(t)), 1));", "^sqrt(sum",
                        "sum(square(x.sub(t)), 1) can be 0, where the gradient of sqrt is infinite",
                        "hint   : add an eps, as sqrt(sum(square(x.sub(t)), 1).add(1e-12))"),
                Arguments.of("return log(relu(x));", "^log(relu", "relu(x) can be 0, where log is -Infinity and its gradient infinite",
                        "hint   : add an eps, as log(relu(x).add(1e-12))"),
                Arguments.of("return sum(t, 1).div(norm(x, 2.0, 1));", "sum(t, 1)^.div",
                        "norm(x, 2.0, 1) can be 0, where dividing by it gives Infinity or NaN",
                        "hint   : add an eps, as .div(norm(x, 2.0, 1).add(1e-12))"),
                Arguments.of("Tensor d = abs(x.sub(t));\n    return d.pow(0.5);", "d^.pow",
                        "d can be 0, where the gradient of d.pow(0.5) is infinite", "clampMin(d, eps)"),
                Arguments.of("return sum(x, 1).div(sum(square(x), 1).mul(0.5).add(sum(abs(t), 1)));", "sum(x, 1)^.div",
                        "sum(square(x), 1).mul(0.5).add(sum(abs(t), 1)) can be 0, where dividing by it gives Infinity or NaN",
                        "hint   : add an eps, as .div(sum(square(x), 1).mul(0.5).add(sum(abs(t), 1)).add(1e-12))"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hazards")
    void aValueThatCanObviouslyBeZeroUnderSqrtLogDivisionOrARootIsOneWarningWithAnEpsHint(String body, String caret,
            String message, String hint) {
        DslSource src = source(body);
        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeeded();
        assertOnlyWarning(c, src, "[lossforge.stability] " + message, caret);
        assertThat(c).hadWarningContaining(hint);
        assertThat(c).hadWarningContaining("silence: @SuppressWarnings(\"lossforge.stability\") on the method");
    }

    static Stream<String> carefulForms() {
        return Stream.of(
                "return logSoftmax(x, 1);", "return logSigmoid(x).add(softplus(t));", "return log1p(t).add(expm1(x));",
                "return sqrt(sum(square(x.sub(t)), 1).add(1e-12));", "return log(x);", "return log(x.add(1e-8));",
                "return log(clampMin(relu(x), 1e-12));", "return x.div(t);", "return sum(x, 1).div(sum(square(t), 1).add(1e-6));",
                "return log(t.add(2.0)).add(exp(x).sub(2.0));", "return sqrt(square(x).add(square(t)).add(1e-12));",
                "return exp(x).sub(t).add(log(softmax(x, 1).add(1e-12)));", "return sqrt(abs(x).add(1.0)).div(relu(t).add(0.5));");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("carefulForms")
    void aFormWrittenWithCareGetsNoWarning(String body) {
        Compilation c = Compile.withLossForge(source(body));

        assertWithMessage(Compile.describe(c)).that(c.status()).isEqualTo(Compilation.Status.SUCCESS);
        assertThat(c).succeededWithoutWarnings();
    }

    @Test
    void oneExpressionWrittenTwiceThroughALocalIsWarnedOnceAndComputedOnce() {
        DslSource src = source("Tensor p = log(t.add(1.0));\n    return p.add(log(constant(1.0).add(t))).mul(p);");
        Compilation c = Compile.withLossForge(src);

        assertThat(stabilityWarnings(c)).hasSize(2);
        String generated = generatedLoss(c);
        // log(t + 1) and log(1 + t) became one log1p(t), under the local's name
        assertThat(generated).contains("INDArray p = Pointwise.log1p(t);");
        assertThat(generated).contains("Broadcasting.add(p, p)");
        assertThat(generated).doesNotContain("INDArray log1p");
    }

    @Test
    void theGeneratedStepCommentQuotesTheUsersFormAndTheStableOne() {
        Compilation c = Compile.withLossForge(source("return log(sigmoid(x)).add(log(constant(1.0).sub(sigmoid(x))));"));

        String generated = generatedLoss(c);
        assertThat(generated).contains("// log(sigmoid(x)) rewritten as logSigmoid(x)\n");
        assertThat(generated).contains("// log(constant(1.0).sub(sigmoid(x))) rewritten as logSigmoid(x.neg())\n");
        assertThat(generated).doesNotContain("Pointwise.log(");
    }

    @Test
    void suppressWarningsOnTheMethodSilencesItsWarningsButNotTheOthers() {
        DslSource src = DslSource.of("""
                @SuppressWarnings("lossforge.stability") // the test feeds logits within +-10
                @Loss(pred = "N,C", target = "N,C")
                static Tensor quiet(Tensor x, Tensor t) {
                    return sum(log(sigmoid(x)), 1).add(sqrt(sum(square(t), 1)));
                }

                @Loss(pred = "N,C", target = "N,C")
                static Tensor loud(Tensor x, Tensor t) {
                    return log(sigmoid(t));
                }
                """);
        Compilation c = Compile.withLossForge(src);

        assertThat(c).succeeded();
        assertOnlyWarning(c, src, "[lossforge.stability] log(sigmoid(t)) is rewritten as logSigmoid(t)", "^log(sigmoid(t");
        assertThat(generatedLoss(c, "demo.QuietLoss")).contains("Pointwise.logSigmoid(x)");
    }

    @Test
    void suppressWarningsOnTheClassSilencesEveryMethod() {
        DslSource src = DslSource.of("""
                @Loss(pred = "N,C", target = "N,C")
                static Tensor naive(Tensor x, Tensor t) {
                    return log(sigmoid(x)).add(log(relu(t)));
                }
                """);
        String annotated = src.text.replace("final class Losses", "@SuppressWarnings({\"unchecked\", \"lossforge.stability\"})\nfinal class Losses");
        Compilation c = javac().withProcessors(new LossProcessor()).withClasspath(Compile.CLASSPATH)
                .compile(com.google.testing.compile.JavaFileObjects.forSourceString("demo.Losses", annotated));

        assertThat(c).succeededWithoutWarnings();
    }

    @Test
    void theQuietOptionSilencesTheWarningsButTheRewritesStillHappen() {
        Compilation c = javac().withProcessors(new LossProcessor()).withClasspath(Compile.CLASSPATH)
                .withOptions("-Alossforge.stability=quiet").compile(source("return log(sigmoid(x)).add(log(relu(t)));").file);

        assertThat(c).succeededWithoutWarnings();
        assertThat(generatedLoss(c)).contains("Pointwise.logSigmoid(x)");
    }

    @Test
    void theWarnValueIsTheDefault() {
        Compilation c = javac().withProcessors(new LossProcessor()).withClasspath(Compile.CLASSPATH)
                .withOptions("-Alossforge.stability=warn").compile(source("return log(sigmoid(x));").file);

        assertThat(stabilityWarnings(c)).hasSize(1);
    }

    // ------------------------------------------------------------------ helpers

    private static DslSource source(String body) {
        return DslSource.of("""
                @Loss(pred = "N,C", target = "N,C")
                static Tensor naive(Tensor x, Tensor t) {
                    %s
                }
                """.formatted(body));
    }

    private static List<String> stabilityWarnings(Compilation c) {
        return c.diagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.WARNING && d.getMessage(null).contains("[lossforge.stability]"))
                .map(d -> d.getMessage(null)).toList();
    }

    private static void assertOnlyWarning(Compilation c, DslSource src, String message, String caret) {
        assertWithMessage("warnings of\n%s\nwere:\n%s", src, Compile.describe(c)).that(c.warnings()).hasSize(1);
        DslSource.Position p = src.caret(caret);
        assertThat(c).hadWarningContaining(message).inFile(src.file).onLine(p.line()).atColumn(p.column());
    }

    private static String generatedLoss(Compilation c) {
        return generatedLoss(c, "demo.NaiveLoss");
    }

    private static String generatedLoss(Compilation c, String name) {
        try {
            return c.generatedSourceFile(name).orElseThrow().getCharContent(true).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
