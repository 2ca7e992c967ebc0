package dev.lossforge.processor;

import static dev.lossforge.processor.NegativeCase.error;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shape errors, per op family: broadcasting, reductions, softmaxes, gather, take, weighted, and the
 * declared result. Each is reported under the offending sub-expression: the call's name for a mismatch
 * between operands, the dim argument for a bad dim, the index or weights argument that gather or take refuse.
 */
class OpShapeErrorTest {

    static List<NegativeCase> cases() {
        return List.of(
                // ---------------------------------------------------------------- broadcasting
                error("subtractingAVectorTargetFromAMatrixIsReportedAtTheSubWithOperandsAndAHint", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor mse(Tensor input, Tensor target) {
                            return square(input.sub(target));
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N\n"
                                + "      input  : (N,C)   from @Loss(pred = \"N,C\")\n"
                                + "      target : (N)     from @Loss(target = \"N\")\n"
                                + "      hint   : to pick one entry per row, use gather(pred, 1, target) with an @Index target",
                        "return square(input^.sub(target));"),
                error("theOperandsOfAMismatchAreListedWithTheDeclarationsTheirShapesCameFrom", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input, @Shape("N") Tensor mask,
                                @Option(defaultValue = "1") @Shape("K") Tensor weight) {
                            return input.mul(mask).add(input.mul(weight));
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C) with (N): dim C vs N\n"
                                + "      input  : (N,C)   from @Loss(pred = \"N,C\")\n"
                                + "      mask   : (N)     from @Shape(\"N\")\n"
                                + "      hint   : to pick one entry per row, use gather(pred, 1, target) with an @Index target",
                        "return input^.mul(mask).add(input.mul(weight));")
                        .and("[lossforge.shape] cannot broadcast (N,C) with (K): dim C vs K\n"
                                + "      input  : (N,C)   from @Loss(pred = \"N,C\")\n"
                                + "      weight : (K)     from @Shape(\"K\")",
                                "return input.mul(mask).add(input^.mul(weight));"),
                error("differentlyNamedVariadicsDoNotBroadcast", """
                        @Loss(pred = "*a", target = "*b")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.add(target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (*a) with (*b): dim *a vs *b",
                        "return input^.add(target);"),
                error("twoAnonymousVariadicsDoNotBroadcastAndTheHintSaysToNameThem", """
                        @Loss(pred = "*", target = "*")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (*) with (*): dim * vs *\n"
                                + "      input  : (*)   from @Loss(pred = \"*\")\n"
                                + "      target : (*)   from @Loss(target = \"*\")\n"
                                + "      hint   : each '*' stands for its own dims; name both, as '*d', to declare them the same",
                        "return input^.sub(target);"),
                error("differentIntegerSizesDoNotBroadcast", """
                        @Loss(pred = "N,3", target = "N,4")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.mul(target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,3) with (N,4): dim 3 vs 4",
                        "return input^.mul(target);"),
                error("dimArithmeticIsNotTheDimItself", """
                        @Loss(pred = "N,C-1", target = "N,C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,C-1) with (N,C): dim C-1 vs C",
                        "return input^.sub(target);"),
                error("parenthesesInDimArithmeticMatter", """
                        @Loss(pred = "(C-1)*2", target = "C-1*2")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.sub(target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast ((C-1)*2) with (C-1*2): dim (C-1)*2 vs C-1*2",
                        "return input^.sub(target);"),
                error("aMismatchInsideAFunctionCallIsReportedAtThatCall", """
                        @Loss(pred = "N", target = "M")
                        static Tensor loss(Tensor input, Tensor target) {
                            return exp(maximum(input, target));
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N) with (M): dim N vs M",
                        "return exp(^maximum(input, target));"),
                error("whereBroadcastsItsThreeArguments", """
                        @Loss(pred = "N", target = "M")
                        static Tensor loss(Tensor input, Tensor target) {
                            return where(gt(input, 0.5), input, target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N) with (M): dim N vs M",
                        "return ^where(gt(input, 0.5), input, target);"),
                error("binaryCrossEntropyBroadcastsInputAndTarget", """
                        @Loss(pred = "N,3", target = "N,2")
                        static Tensor loss(Tensor input, Tensor target) {
                            return binaryCrossEntropy(input, target);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N,3) with (N,2): dim 3 vs 2",
                        "return ^binaryCrossEntropy(input, target);"),
                error("weightsThatDoNotBroadcastWithTheLossAreRefused", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target, @Option(defaultValue = "1") @Shape("K") Tensor weight) {
                            return weighted(input.sub(target), weight);
                        }
                        """,
                        "[lossforge.shape] cannot broadcast (N) with (K): dim N vs K",
                        "return ^weighted(input.sub(target), weight);"),

                // ---------------------------------------------------------------- reductions and softmaxes
                error("summingOverADimBeyondTheRankIsReportedAtTheDim", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return sum(input, 2);
                        }
                        """,
                        "[lossforge.dim] dim 2 is out of range for a tensor of shape (N,C)",
                        "return sum(input, ^2);"),
                error("aNegativeDimBeyondTheRankIsReportedAtTheDim", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return mean(input, 0, -3);
                        }
                        """,
                        "[lossforge.dim] dim -3 is out of range for a tensor of shape (N,C)",
                        "return mean(input, 0, ^-3);"),
                error("summingOverADimInsideAVariadicIsRefused", """
                        @Loss(pred = "N,C,*d")
                        static Tensor loss(Tensor input) {
                            return sum(input, 2);
                        }
                        """,
                        "[lossforge.dim] dim 2 of (N,C,*d) falls in the variadic *d, whose rank is unknown",
                        "return sum(input, ^2);"),
                error("aDimInsideAnAnonymousVariadicIsNamedAsTheUserWroteIt", """
                        @Loss(pred = "N,*")
                        static Tensor loss(Tensor input) {
                            return mean(input, 1);
                        }
                        """,
                        "[lossforge.dim] dim 1 of (N,*) falls in the variadic *, whose rank is unknown",
                        "return mean(input, ^1);"),
                error("summingTheSameDimTwiceIsRefused", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return sum(input, 0, -2);
                        }
                        """,
                        "[lossforge.dim] dim -2 repeats dim 0 of (N,C): each dim may be listed once",
                        "return sum(input, 0, ^-2);"),
                error("logSoftmaxOverADimBeyondTheRankIsReportedAtTheDim", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return logSoftmax(input, 2).neg();
                        }
                        """,
                        "[lossforge.dim] dim 2 is out of range for a tensor of shape (N,C)",
                        "return logSoftmax(input, ^2).neg();"),
                error("softmaxOverTheLastDimOfAVariadicShapeIsRefused", """
                        @Loss(pred = "N,C,*d")
                        static Tensor loss(Tensor input) {
                            return softmax(input, -1);
                        }
                        """,
                        "[lossforge.dim] dim -1 of (N,C,*d) falls in the variadic *d, whose rank is unknown",
                        "return softmax(input, ^-1);"),
                error("logsumexpOverAMissingDimIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return logsumexp(input, 1);
                        }
                        """,
                        "[lossforge.dim] dim 1 is out of range for a tensor of shape (N)",
                        "return logsumexp(input, ^1);"),

                // ---------------------------------------------------------------- gather and take
                error("gatherWithAnIndexOfTheWrongShapeIsReportedAtTheIndex", """
                        @Loss(pred = "N,C", target = "N,C")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 1, target).neg();
                        }
                        """,
                        "[lossforge.shape] the index of gather(_, 1, _) must have shape (N) but has (N,C)",
                        "return gather(input, 1, ^target).neg();"),
                error("gatherAlongADimThatIsNotTheIndexDomainIsReportedAtTheDim", """
                        @Loss(pred = "N,C", target = "C")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 0, target).neg();
                        }
                        """,
                        "[lossforge.index] target indexes C but is used to pick along dim 0 of (N,C), which is N",
                        "return gather(input, ^0, target).neg();"),
                error("gatherAlongADimBeyondTheRankIsReportedAtTheDim", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 2, target).neg();
                        }
                        """,
                        "[lossforge.dim] dim 2 is out of range for a tensor of shape (N,C)",
                        "return gather(input, ^2, target).neg();"),
                error("takeWithATwoDimensionalWeightIsReportedAtTheWeight", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target,
                                @Option(defaultValue = "1") @Shape("N,C") Tensor weight) {
                            return gather(input, 1, target).mul(take(weight, target));
                        }
                        """,
                        "[lossforge.shape] the weights of take must have shape (C) but has (N,C)",
                        "return gather(input, 1, target).mul(take(^weight, target));"),
                error("takeWithWeightsOverAnotherDimThanTheIndexDomainIsRefused", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target,
                                @Option(defaultValue = "1") @Shape("K") Tensor weight) {
                            return gather(input, 1, target).mul(take(weight, target));
                        }
                        """,
                        "[lossforge.index] target indexes C but is used to pick along dim 0 of (K), which is K",
                        "return gather(input, 1, target).mul(take(^weight, target));"),

                // ---------------------------------------------------------------- the declared result
                error("aResultShapeThatDoesNotMatchTheBodyIsReportedOnTheResultValue", """
                        @Loss(pred = "N,C", result = "N")
                        static Tensor loss(Tensor input) {
                            return input.neg();
                        }
                        """,
                        "[lossforge.result] the loss has shape (N,C) but @Loss(result = \"N\") declares (N)",
                        "result = ^\"N\""),
                error("aResultWithAVariadicMustMatchItToo", """
                        @Loss(pred = "N,C,*d", target = "N,*d", result = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 1, target).neg();
                        }
                        """,
                        "[lossforge.result] the loss has shape (N,*d) but @Loss(result = \"N\") declares (N)",
                        "result = ^\"N\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reports(NegativeCase c) {
        c.check();
    }
}
