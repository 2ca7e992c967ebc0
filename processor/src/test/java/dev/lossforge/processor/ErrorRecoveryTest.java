package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static dev.lossforge.processor.NegativeCase.error;

import com.google.testing.compile.Compilation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error of a method is reported, not only the first; none is reported twice or as a consequence of
 * another (no cascades); and a method with errors does not stop the others from generating their classes.
 */
class ErrorRecoveryTest {

    static List<NegativeCase> cases() {
        return List.of(
                error("twoIndependentBodyErrorsAreBothReported", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            Tensor a = softmin(input);
                            return a.add(input + input);
                        }
                        """,
                        "[lossforge.unknown] unknown function 'softmin'",
                        "Tensor a = ^softmin(input);")
                        .and("[lossforge.unsupported] the operator '+' on tensors",
                                "return a.add(input ^+ input);"),
                error("twoIndependentShapeErrorsAreBothReported", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return sum(input, 2).add(input.sub(target));
                        }
                        """,
                        "[lossforge.dim] dim 2 is out of range for a tensor of shape (N,C)",
                        "return sum(input, ^2).add(input.sub(target));")
                        .and("[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N",
                                "return sum(input, 2).add(input^.sub(target));"),
                error("twoBadOptionDefaultsAreBothReported", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "x") double margin,
                                @Option(defaultValue = "y") long ignoreIndex) {
                            return input.add(margin);
                        }
                        """,
                        "[lossforge.option] option 'margin' is a double but its default \"x\"",
                        "@Option(defaultValue = ^\"x\") double margin")
                        .and("[lossforge.option] option 'ignoreIndex' is a long but its default \"y\"",
                                "@Option(defaultValue = ^\"y\") long ignoreIndex"),
                error("usesOfARefusedLocalAreNotReportedAgain", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            Tensor d = input + target;
                            Tensor e = d.mul(d);
                            return square(e).add(exp(e));
                        }
                        """,
                        "[lossforge.unsupported] the operator '+' on tensors",
                        "Tensor d = input ^+ target;"),
                error("usesOfARefusedParameterAreNotReportedAgain", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, Tensor mask) {
                            return input.mul(mask).add(mask);
                        }
                        """,
                        "[lossforge.signature] tensor parameter 'mask' has no declared shape",
                        "static Tensor loss(Tensor input, Tensor ^mask) {"),
                error("anExpressionWithAShapeErrorIsNotReportedAgainWhereItIsUsed", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            Tensor d = input.sub(target);
                            return sum(square(d), 1).add(d);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N",
                        "Tensor d = input^.sub(target);"),
                error("theSameBadExpressionWrittenTwiceIsReportedOnce", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target).mul(input.sub(target));
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N",
                        "return input^.sub(target).mul(input.sub(target));"),
                error("errorsInTwoMethodsAreEachReportedInTheirMethod", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor first(Tensor input, Tensor target) {
                            return input.sub(target);
                        }

                        @Loss(pred = "N,C")
                        static Tensor second(Tensor input) {
                            return logSoftmax(input, 3);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N",
                        "return input^.sub(target);")
                        .and("[lossforge.dim] dim 3 is out of range for a tensor of shape (N,C)",
                                "return logSoftmax(input, ^3);"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reports(NegativeCase c) {
        c.check();
    }

    @Test
    void anErrorInOneMethodDoesNotStopAnotherFromGeneratingItsClass() {
        DslSource src = DslSource.of("""
                @Loss(pred = "N,C", target = "N")
                static Tensor broken(Tensor input, Tensor target) {
                    return square(input.sub(target));
                }

                @Loss(pred = "N,C", target = "N,C")
                static Tensor mse(Tensor input, Tensor target) {
                    return square(input.sub(target));
                }
                """);
        RecordingLossProcessor processor = new RecordingLossProcessor();
        Compilation c = javac().withProcessors(processor).withClasspath(Compile.CLASSPATH).compile(src.file);

        assertThat(c).hadErrorCount(1);
        assertThat(c).hadErrorContaining("[lossforge.shape] cannot broadcast (N,C) with (N)")
                .inFile(src.file).onLine(src.caret("static Tensor ^broken").line() + 1);
        assertThat(processor.written).containsExactly("demo.MseLoss");
    }
}
