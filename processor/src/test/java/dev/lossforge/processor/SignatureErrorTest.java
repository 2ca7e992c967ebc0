package dev.lossforge.processor;

import static dev.lossforge.processor.NegativeCase.error;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Declarations LossForge cannot compile: the method's modifiers, return type and body, its parameters'
 * types and annotations, option defaults, and the {@code @Loss} attributes.
 */
class SignatureErrorTest {

    static List<NegativeCase> cases() {
        return List.of(
                // ---------------------------------------------------------------- the method
                error("anInstanceMethodIsRefusedAtItsName", """
                        @Loss(pred = "N")
                        Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.signature] a @Loss method must be static; add 'static' to loss()",
                        "Tensor ^loss(Tensor input) {"),
                error("aReturnTypeOtherThanTensorIsRefusedAtTheType", """
                        @Loss(pred = "N")
                        static double loss(Tensor input) {
                            return sum(input);
                        }
                        """,
                        "[lossforge.signature] a @Loss method returns dev.lossforge.dsl.Tensor (the unreduced loss), not double",
                        "static ^double loss(Tensor input) {"),
                error("aBodyWithoutReturnIsRefusedAtTheMethod", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            Tensor x = input.neg();
                        }
                        """,
                        "[lossforge.signature] a @Loss method must end with 'return <loss>;'",
                        "static Tensor ^loss(Tensor input) {"),
                error("aReturnWithoutAValueIsRefusedAtTheReturn", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input) {
                            return;
                        }
                        """,
                        "[lossforge.signature] a @Loss method must return the loss: write 'return <loss>;'",
                        "^return;"),
                error("aMethodWithoutABodyIsRefused", """
                        @Loss(pred = "N")
                        static native Tensor loss(Tensor input);
                        """,
                        "[lossforge.signature] a @Loss method needs a body",
                        "static native Tensor ^loss(Tensor input);"),

                // ---------------------------------------------------------------- parameters
                error("aPrimitiveParameterWithoutOptionIsRefusedAtTheParameter", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, int k) {
                            return input;
                        }
                        """,
                        "[lossforge.signature] parameter 'k' is an int; a loss takes Tensor inputs, and numbers, strings or optional tensors as @Option parameters",
                        "static Tensor loss(Tensor input, int ^k) {"),
                error("aThirdTensorWithoutShapeIsRefusedAtTheParameter", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input, Tensor target, Tensor mask) {
                            return input.sub(target).mul(mask);
                        }
                        """,
                        "[lossforge.signature] tensor parameter 'mask' has no declared shape: the first two take @Loss(pred = ..., target = ...), the others @Shape(\"...\")",
                        "Tensor target, Tensor ^mask) {"),
                error("aSecondTensorWithoutTargetShapeIsRefused", """
                        @Loss(pred = "N,C")
                        static Tensor loss(Tensor input, @Index("C") Tensor target) {
                            return gather(input, 1, target).neg();
                        }
                        """,
                        "[lossforge.signature] tensor parameter 'target' has no declared shape",
                        "@Index(\"C\") Tensor ^target) {"),
                error("aTargetShapeWithoutASecondTensorIsRefusedOnTheTargetValue", """
                        @Loss(pred = "N", target = "N")
                        static Tensor loss(Tensor input) {
                            return input.neg();
                        }
                        """,
                        "[lossforge.signature] @Loss(target = \"N\") declares a second tensor input, but loss() takes only one Tensor (besides options)",
                        "target = ^\"N\""),
                error("aLossWithoutTensorInputsIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(@Option(defaultValue = "1") double k) {
                            return constant(k);
                        }
                        """,
                        "[lossforge.signature] a loss takes at least one Tensor input",
                        "static Tensor ^loss(@Option"),
                error("anOptionOfAnUnsupportedTypeIsRefusedAtTheParameter", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "1") Object scale) {
                            return input;
                        }
                        """,
                        "[lossforge.signature] option 'scale' has type Object; options are double, float, int, long, boolean, String or Tensor",
                        "Object ^scale) {"),

                error("aParameterNamedReductionIsRefusedBecauseEveryLossHasThatOption", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "1") double reduction) {
                            return input.mul(reduction);
                        }
                        """,
                        "[lossforge.signature] 'reduction' is an option of every loss (NONE, MEAN or SUM), set on the generated class; give this parameter another name",
                        "@Option(defaultValue = \"1\") double ^reduction) {"),
                error("aShapeAnnotationOnTheTargetConflictsWithTheDeclaredTarget", """
                        @Loss(pred = "N,C", target = "N")
                        static Tensor loss(Tensor input, @Shape("N,C") Tensor target) {
                            return input.sub(target);
                        }
                        """,
                        "[lossforge.signature] the shape of 'target' is @Loss(target = \"N\"); remove this @Shape",
                        "@Shape(^\"N,C\") Tensor target"),

                // ---------------------------------------------------------------- option defaults
                error("aWordAsTheDefaultOfAnIntOptionIsReportedOnTheDefault", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "abc") int k) {
                            return input;
                        }
                        """,
                        "[lossforge.option] option 'k' is an int but its default \"abc\" is not an integer that fits in an int",
                        "@Option(defaultValue = ^\"abc\") int k"),
                error("aFractionAsTheDefaultOfALongOptionIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "1.5") long ignoreIndex) {
                            return input;
                        }
                        """,
                        "[lossforge.option] option 'ignoreIndex' is a long but its default \"1.5\" is not an integer that fits in a long",
                        "@Option(defaultValue = ^\"1.5\") long ignoreIndex"),
                error("anIntDefaultBeyondTheIntRangeIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "3000000000") int k) {
                            return input;
                        }
                        """,
                        "[lossforge.option] option 'k' is an int but its default \"3000000000\" is not an integer that fits in an int",
                        "@Option(defaultValue = ^\"3000000000\") int k"),
                error("nanAsTheDefaultOfADoubleOptionIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "NaN") double margin) {
                            return input.add(margin);
                        }
                        """,
                        "[lossforge.option] option 'margin' is a double but its default \"NaN\" is not a decimal number such as 0.5 or 1e-8",
                        "@Option(defaultValue = ^\"NaN\") double margin"),
                error("aJavaFloatSuffixInADefaultIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "1f") float beta) {
                            return input.mul(beta);
                        }
                        """,
                        "[lossforge.option] option 'beta' is a float but its default \"1f\" is not a decimal number such as 0.5 or 1e-8",
                        "@Option(defaultValue = ^\"1f\") float beta"),
                error("aBooleanDefaultOtherThanTrueOrFalseIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "yes") boolean full) {
                            return input;
                        }
                        """,
                        "[lossforge.option] option 'full' is a boolean but its default \"yes\" is neither true nor false",
                        "@Option(defaultValue = ^\"yes\") boolean full"),
                error("aTensorOptionDefaultThatIsNotANumberIsRefused", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option(defaultValue = "ones") Tensor weight) {
                            return input.mul(weight);
                        }
                        """,
                        "[lossforge.option] the default of tensor option 'weight' must be a number that fills it (as \"1\" for PyTorch's weight=None), not \"ones\"",
                        "@Option(defaultValue = ^\"ones\") Tensor weight"),
                error("aNumericOptionWithoutDefaultIsReportedOnTheOptionAnnotation", """
                        @Loss(pred = "N")
                        static Tensor loss(Tensor input, @Option double margin) {
                            return input.add(margin);
                        }
                        """,
                        "[lossforge.option] option 'margin' needs a default: write @Option(defaultValue = \"...\")",
                        "static Tensor loss(Tensor input, ^@Option double margin) {"),

                // ---------------------------------------------------------------- @Loss attributes
                error("aClassNameWithASpaceIsRefusedOnTheNameValue", """
                        @Loss(pred = "N", name = "My Loss")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.signature] @Loss(name = \"My Loss\") must be a simple Java class name, as \"MSELoss\"",
                        "name = ^\"My Loss\""),
                error("aClassNameThatIsTheDeclaringClassIsRefused", """
                        @Loss(pred = "N", name = "Losses")
                        static Tensor loss(Tensor input) {
                            return input;
                        }
                        """,
                        "[lossforge.signature] the generated class would be named Losses, as the class that declares loss(); choose another @Loss(name = ...)",
                        "name = ^\"Losses\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reports(NegativeCase c) {
        c.check();
    }
}
