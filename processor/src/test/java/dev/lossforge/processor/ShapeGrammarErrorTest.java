package dev.lossforge.processor;

import static dev.lossforge.processor.NegativeCase.error;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed shape strings, one per rule of the shape grammar. Each is reported on the annotation value that
 * holds it (the caret under its opening quote) and says at which column of the string the problem is.
 */
class ShapeGrammarErrorTest {

    static List<NegativeCase> cases() {
        return List.of(
                error("aCharacterOutsideTheGrammarIsReportedWithItsColumn", """
                        @Loss(pred = "N,@")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,@\": unexpected '@'; a dim is a name (N), a size (3), '_', '*', '*name', '#name' or arithmetic such as C-1 (at column 3)",
                        "@Loss(pred = ^\"N,@\")"),
                error("aSemicolonBetweenDimsIsReportedAsAMissingComma", """
                        @Loss(pred = "N;C")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N;C\": expected ',' between dims but found ';' (at column 2)",
                        "@Loss(pred = ^\"N;C\")"),
                error("aTrailingCommaIsAMissingDim", """
                        @Loss(pred = "N,")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,\": missing dim (at column 3)",
                        "@Loss(pred = ^\"N,\")"),
                error("twoCommasInARowAreReportedAtTheSecond", """
                        @Loss(pred = "N,,C")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,,C\": unexpected ','",
                        "@Loss(pred = ^\"N,,C\")"),
                error("twoVariadicsInOneShapeAreReportedAtTheSecond", """
                        @Loss(pred = "*a,N,*b")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"*a,N,*b\": at most one variadic dim ('*' or '*name') per shape (at column 6)",
                        "@Loss(pred = ^\"*a,N,*b\")"),
                error("twoAnonymousVariadicsAreRefused", """
                        @Loss(pred = "*,*")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"*,*\": at most one variadic dim ('*' or '*name') per shape (at column 3)",
                        "@Loss(pred = ^\"*,*\")"),
                error("aHashWithoutANameIsRefused", """
                        @Loss(pred = "N,#")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,#\": '#' must be followed by a dim name, as in '#N' (at column 4)",
                        "@Loss(pred = ^\"N,#\")"),
                error("aHashBeforeASizeIsRefused", """
                        @Loss(pred = "#3,N")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"#3,N\": '#' must be followed by a dim name, as in '#N' (at column 2)",
                        "@Loss(pred = ^\"#3,N\")"),
                error("anUnclosedParenthesisIsReported", """
                        @Loss(pred = "(N,C")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"(N,C\": expected ')' but found ',' (at column 3)",
                        "@Loss(pred = ^\"(N,C\")"),
                error("anUnopenedParenthesisIsReported", """
                        @Loss(pred = "N,C)")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,C)\": expected ',' between dims but found ')' (at column 4)",
                        "@Loss(pred = ^\"N,C)\")"),
                error("anUnclosedParenthesisInDimArithmeticIsReportedAtTheEnd", """
                        @Loss(pred = "N,(C-1")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,(C-1\": expected ')' but the shape ended (at column 7)",
                        "@Loss(pred = ^\"N,(C-1\")"),
                error("dimArithmeticWithoutASecondOperandIsAMissingDim", """
                        @Loss(pred = "N,C-")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,C-\": missing dim (at column 5)",
                        "@Loss(pred = ^\"N,C-\")"),
                error("aSizeGluedToANameIsRefused", """
                        @Loss(pred = "2N")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"2N\": expected ',' between dims but found 'N' (at column 2)",
                        "@Loss(pred = ^\"2N\")"),
                error("aSizeTooLargeForALongIsRefused", """
                        @Loss(pred = "N,99999999999999999999")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,99999999999999999999\": dim size too large (at column 3)",
                        "@Loss(pred = ^\"N,99999999999999999999\")"),
                error("aBadTargetShapeIsReportedOnTheTargetValue", """
                        @Loss(pred = "N,C", target = "N C")
                        static Tensor loss(Tensor input, Tensor target) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N C\": expected ',' between dims but found 'C' (at column 3)",
                        "target = ^\"N C\""),
                error("aBadShapeOfAThirdTensorIsReportedOnItsShapeAnnotation", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, Tensor target, @Shape("C,,") Tensor mask) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"C,,\": unexpected ','",
                        "@Shape(^\"C,,\")"),
                error("aBadShapeOfATensorOptionIsReportedOnItsShapeAnnotation", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input, @Option(defaultValue = "1") @Shape("C,") Tensor weight) {
                            return input.mul(weight);
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"C,\": missing dim (at column 3)",
                        "@Shape(^\"C,\")"),
                error("aBadResultShapeIsReportedOnTheResultValue", """
                        @Loss(pred = "N,C", result = "N,_x")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.shape-syntax] bad shape \"N,_x\": unexpected '_'",
                        "result = ^\"N,_x\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reports(NegativeCase c) {
        c.check();
    }
}
