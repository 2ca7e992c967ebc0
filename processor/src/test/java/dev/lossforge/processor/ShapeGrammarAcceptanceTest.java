package dev.lossforge.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each feature of the shape grammar, accepted: the loss compiles without a warning and generates its class.
 * Each declares the shape it must infer with {@code @Loss(result = ...)}, which makes a wrong inference an
 * error, so these also pin down how shapes flow.
 */
class ShapeGrammarAcceptanceTest {

    /** A loss that must compile; {@code members} holds one method named {@code loss}. */
    record Accepted(String name, String members) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Accepted> cases() {
        return List.of(
                new Accepted("namedDimsMatchByName", """
                        @Loss(pred = "N,C", target = "N,C", result = "N,C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return square(input.sub(target));
                        }
                        """),
                new Accepted("integerDimsBroadcastAgainstNamedOnes", """
                        @Loss(pred = "N,3", target = "3", result = "N,3")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.mul(target);
                        }
                        """),
                new Accepted("aSizeOfOneBroadcastsAgainstAnyDim", """
                        @Loss(pred = "N,C", target = "N,1", result = "N,C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """),
                new Accepted("aWildcardMatchesANamedDim", """
                        @Loss(pred = "N,_", target = "N,C", result = "N,C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """),
                new Accepted("aWildcardSurvivesWhereNothingNamesIt", """
                        @Loss(pred = "_,N", result = "_,N")
                        static Tensor loss(Tensor input) {
                            return exp(input);
                        }
                        """),
                new Accepted("anAnonymousVariadicTakesAnyRankAndReducesToAScalar", """
                        @Loss(pred = "*", result = "")
                        static Tensor loss(Tensor input) {
                            return mean(square(input));
                        }
                        """),
                new Accepted("anAnonymousVariadicInTheResultMatchesTheComputedDims", """
                        @Loss(pred = "N,*", result = "N,*")
                        static Tensor loss(Tensor input) {
                            return square(input);
                        }
                        """),
                new Accepted("aNamedVariadicIsTheSameDimsInEveryParameter", """
                        @Loss(pred = "N,C,*d", target = "N,*d", result = "N,*d")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(logSoftmax(input, 1), 1, target).neg();
                        }
                        """),
                new Accepted("dimsBeforeAndAfterAVariadicAreCountedFromEachEnd", """
                        @Loss(pred = "N,*d,C", target = "N,*d,C", result = "N,*d")
                        static Tensor loss(Tensor input, Tensor target) {
                            return sum(square(input.sub(target)), -1);
                        }
                        """),
                new Accepted("dimArithmeticMatchesTheSameArithmeticWhateverTheSpacing", """
                        @Loss(pred = "N,C-1", target = "N,C - 1", result = "N,(C-1)")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """),
                new Accepted("aMultipleOfADimIsADim", """
                        @Loss(pred = "2*N", target = "2*N", result = "2*N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.mul(target);
                        }
                        """),
                new Accepted("aBroadcastableDimIsTheNamedDimAtCompileTime", """
                        @Loss(pred = "N,C", target = "#N,C", result = "N,C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """),
                new Accepted("aThirdTensorTakesItsShapeFromShape", """
                        @Loss(pred = "N,C", target = "N,C", result = "N,C")
                        static Tensor loss(Tensor input, Tensor target, @Shape("C") Tensor scale) {
                            return input.sub(target).mul(scale);
                        }
                        """),
                new Accepted("aShapeMayBeWrittenInParentheses", """
                        @Loss(pred = "(N,C)", target = "(N)", result = "(N)")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 1, target).neg();
                        }
                        """),
                new Accepted("reducingSeveralDimsDropsEachOfThem", """
                        @Loss(pred = "N,C,H,W", result = "N")
                        static Tensor loss(Tensor input) {
                            return sum(input, 1, -1, -2);
                        }
                        """),
                new Accepted("numbersFromOptionsLocalsAndMathAreNumbers", """
                        @Loss(pred = "N", target = "N", result = "N")
                        static Tensor loss(Tensor input, Tensor target, @Option(defaultValue = "0.5") double margin,
                                @Option(defaultValue = "2") int power) {
                            var half = margin / 2;
                            double eps = Math.max(1e-8, half);
                            return clampMin(input.sub(target).add(half), 0.0).pow(power).add(eps);
                        }
                        """),
                new Accepted("opsMayBeCalledQualifiedAndLocalsTypedQualified", """
                        @Loss(pred = "N", result = "N")
                        static Tensor loss(Tensor input) {
                            dev.lossforge.dsl.Tensor e = dev.lossforge.dsl.Ops.exp(input);
                            var l = Ops.log1p(e);
                            return l;
                        }
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void compilesAndGeneratesItsClass(Accepted accepted) {
        DslSource src = DslSource.of(accepted.members());
        Compilation c = Compile.withLossForge(src);
        assertThat(c).succeededWithoutWarnings();
        assertThat(c).generatedSourceFile("demo.LossLoss");
    }
}
