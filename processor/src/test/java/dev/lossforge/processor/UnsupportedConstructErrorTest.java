package dev.lossforge.processor;

import static dev.lossforge.processor.NegativeCase.error;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Java that is not the DSL: statements other than locals and one return, Java expressions that are not DSL
 * calls, and DSL calls with the wrong kind of argument. Each is reported once, under the construct itself.
 */
class UnsupportedConstructErrorTest {

    static List<NegativeCase> cases() {
        return List.of(
                // ---------------------------------------------------------------- statements
                error("aForLoopIsRefusedAtTheLoop", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            for (int i = 0; i < 3; i++) {
                                input = input.add(1.0);
                            }
                            return input;
                        }
                        """,
                        "[lossforge.unsupported] a for loop is not supported in a @Loss body: a body is local declarations ('Tensor x = ...;') and one 'return'",
                        "^for (int i = 0; i < 3; i++) {"),
                error("aWhileLoopIsRefusedAtTheLoop", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            while (true) {
                            }
                        }
                        """,
                        "[lossforge.unsupported] a while loop is not supported in a @Loss body",
                        "^while (true) {"),
                error("anIfStatementIsRefusedAtTheIf", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "false") boolean flip) {
                            if (flip) {
                                return input.neg();
                            }
                            return input;
                        }
                        """,
                        "[lossforge.unsupported] an if statement is not supported in a @Loss body",
                        "^if (flip) {"),
                error("assigningToAParameterIsRefusedAtTheAssignment", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            input = input.neg();
                            return input;
                        }
                        """,
                        "[lossforge.unsupported] an assignment to 'input' is not supported in a @Loss body: parameters and locals are values, not variables: declare a new local, as 'Tensor y = ...;'",
                        "input ^= input.neg();"),
                error("aLocalWithoutAValueIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            Tensor x;
                            return input;
                        }
                        """,
                        "[lossforge.unsupported] a local without a value is not supported in a @Loss body: write 'Tensor x = ...;'",
                        "Tensor ^x;"),
                error("aStatementAfterTheReturnIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input;
                            ;
                        }
                        """,
                        "[lossforge.unsupported] a statement after return is not supported in a @Loss body: the return statement must come last",
                        "    ^;"),

                // ---------------------------------------------------------------- Java expressions that are not the DSL
                error("aLambdaIsRefusedAtTheLambda", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            UnaryOperator<Tensor> twice = t -> t.add(t);
                            return twice.apply(input);
                        }
                        """,
                        "[lossforge.unsupported] a lambda is not supported in a @Loss body",
                        "UnaryOperator<Tensor> twice = ^t -> t.add(t);"),
                error("aFieldAccessIsRefusedAtTheField", """
                        static final double EPS = 1e-6;

                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return log(input.add(Losses.EPS));
                        }
                        """,
                        "[lossforge.unsupported] a field access ('Losses.EPS') is not supported in a @Loss body",
                        "return log(input.add(Losses^.EPS));"),
                error("creatingAnObjectIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.add(new Object());
                        }
                        """,
                        "[lossforge.unsupported] object creation ('new Object()') is not supported in a @Loss body",
                        "return input.add(^new Object());"),
                error("anArrayLocalIsRefusedAtItsType", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            Tensor[] parts = {input, input};
                            return input;
                        }
                        """,
                        "[lossforge.unsupported] an array ('Tensor[] parts') is not supported in a @Loss body: locals are Tensor or numbers",
                        "Tensor[] ^parts = {input, input};"),
                error("callingAFunctionOutsideTheDslIsReportedAtItsName", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return softmin(input, 1);
                        }
                        """,
                        "[lossforge.unknown] unknown function 'softmin'; the DSL has: add, sub, mul, div, neg, pow, exp, log,",
                        "return ^softmin(input, 1);"),
                error("aJavaOperatorOnTensorsIsRefusedAtTheOperator", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input + target;
                        }
                        """,
                        "[lossforge.unsupported] the operator '+' on tensors is not supported in a @Loss body: use the methods add, sub, mul, div (as in a.add(b))",
                        "return input ^+ target;"),
                error("aStringWhereATensorIsExpectedIsCalledAString", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.add("one");
                        }
                        """,
                        "[lossforge.unsupported] a string (\"one\") is not supported in a @Loss body",
                        "return input.add(^\"one\");"),
                error("aStringWhereANumberIsExpectedIsCalledAString", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return clamp(input, "0", 1);
                        }
                        """,
                        "[lossforge.unsupported] a string (\"0\") as a number is not supported in a @Loss body: numbers are literals, numeric options and arithmetic on them",
                        "return clamp(input, ^\"0\", 1);"),
                error("aConditionWithATensorIsRefusedAtTheCondition", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return gt(input, 0.5) ? input : target;
                        }
                        """,
                        "[lossforge.type] this must be a number (a literal or a numeric option), not the tensor 'gt(input, 0.5)'",
                        "return ^gt(input, 0.5) ? input : target;"),
                error("aMinusSignOnATensorSuggestsNeg", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.add(-target);
                        }
                        """,
                        "[lossforge.unsupported] the operator '-' on a tensor is not supported in a @Loss body: write x.neg()",
                        "return input.add(^-target);"),
                error("aJavaMethodCallWhereANumberIsExpectedIsNotCalledATensor", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.pow("ab".length());
                        }
                        """,
                        "[lossforge.unsupported] the call '\"ab\".length()' as a number is not supported in a @Loss body: numbers are literals, numeric options, Math functions and arithmetic on them",
                        "return input.pow(\"ab\"^.length());"),
                error("aNameThatIsNeitherAParameterNorALocalIsUnknown", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.sub(inptu);
                        }
                        """,
                        "[lossforge.unknown] unknown name 'inptu': only the method's parameters and locals can be used",
                        "return input.sub(^inptu);"),
                error("aStringOptionInAnExpressionIsRefusedAsSuch", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "mean") String mode) {
                            return input.mul(mode);
                        }
                        """,
                        "[lossforge.unsupported] the String option 'mode' in an expression is not supported in a @Loss body",
                        "return input.mul(^mode);"),

                // ---------------------------------------------------------------- numbers, tensors and indices
                error("aTensorWhereANumberIsExpectedIsReportedAtTheTensor", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input.pow(target);
                        }
                        """,
                        "[lossforge.type] this must be a number (a literal or a numeric option), not the tensor target",
                        "return input.pow(^target);"),
                error("aNumberWhereATensorIsExpectedSuggestsConstant", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.add(exp(2.0));
                        }
                        """,
                        "[lossforge.type] this must be a Tensor, not the number 2.0; wrap it as constant(2.0)",
                        "return input.add(exp(^2.0));"),
                error("aNumericOptionWhereATensorIsExpectedIsReportedAtTheOption", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "0.5") double eps) {
                            return input.div(log(eps));
                        }
                        """,
                        "[lossforge.type] 'eps' here must be a Tensor, not the number eps",
                        "return input.div(log(^eps));"),
                error("subtractingAnIndexTargetIsReportedAtTheTarget", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return input.sub(target);
                        }
                        """,
                        "[lossforge.index] 'target' holds class indices and cannot be used as a value in sub(...)",
                        "return input.sub(^target);"),
                error("returningAnIndexTensorAsTheLossIsRefused", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            Tensor picked = target;
                            return picked;
                        }
                        """,
                        "[lossforge.index] 'target' holds class indices and cannot be used as a value in the returned loss",
                        "return ^picked;"),
                error("gatherWithAValueTensorAsIndexAsksForAnIndexParameter", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return gather(input, 1, target).neg();
                        }
                        """,
                        "[lossforge.index] gather needs class indices: pass an @Index parameter, not 'target'",
                        "return gather(input, 1, ^target).neg();"),
                error("aDimThatIsNotALiteralIsRefusedAtTheDim", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            int k = 1;
                            return sum(input, k);
                        }
                        """,
                        "[lossforge.arguments] sum takes integer literals as dims (shapes are checked at compile time) but was given 'k'",
                        "return sum(input, ^k);"),
                error("aMissingArgumentIsReportedAtTheFunctionName", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input) {
                            return logSoftmax(input).neg();
                        }
                        """,
                        "[lossforge.arguments] logSoftmax takes (a tensor, an integer dim) but was given 1 argument",
                        "return ^logSoftmax(input).neg();"),
                error("aTensorMethodWithoutItsArgumentCountsTheArgumentsTheUserWrote", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.sub();
                        }
                        """,
                        "[lossforge.arguments] sub takes (a tensor or number) but was given 0 arguments",
                        "return input^.sub();"),
                error("aTensorMethodCalledAsAFunctionSaysHowToCallIt", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target) {
                            return add(input, target);
                        }
                        """,
                        "[lossforge.unsupported] add(...) as a function is not supported in a @Loss body: it is a Tensor method: write a.add(...)",
                        "return ^add(input, target);"),
                error("aFunctionCalledAsATensorMethodSaysHowToCallIt", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return input.exp();
                        }
                        """,
                        "[lossforge.unsupported] .exp(...) as a method is not supported in a @Loss body: it is a function: write exp(input)",
                        "return input^.exp();"),
                error("weightedInsideAnExpressionIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return exp(weighted(input, input));
                        }
                        """,
                        "[lossforge.unsupported] weighted(...) inside an expression is not supported in a @Loss body: weighted(loss, weights) may only be what the method returns",
                        "return exp(^weighted(input, input));"),
                error("weightedWithOneArgumentIsReportedAsAnArgumentCountError", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return weighted(input);
                        }
                        """,
                        "[lossforge.arguments] weighted takes (a tensor, a tensor) but was given 1 argument",
                        "return ^weighted(input);"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reports(NegativeCase c) {
        c.check();
    }
}
