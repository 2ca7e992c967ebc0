package dev.lossforge.testing;

import static dev.lossforge.testing.LossAssertions.assertGradientsMatchFiniteDifferences;
import static dev.lossforge.testing.LossAssertions.assertReductionsConsistent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import dev.lossforge.Reduction;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossAssertionsTest {
    private static final double[][] PRED = {{0.3, -1.2, 0.8}, {1.5, 0.1, -0.4}};
    private static final double[][] TARGET = {{0.1, 0.4, -0.5}, {1.0, -0.7, 0.2}};

    private static INDArray pred() {
        return Nd4j.createFromArray(PRED);
    }

    private static INDArray target() {
        return Nd4j.createFromArray(TARGET);
    }

    @Test
    void passesOnTheCatalogsDerivedGradients() {
        assertGradientsMatchFiniteDifferences(TorchLosses.create("MSELoss"), pred(), target());
        assertGradientsMatchFiniteDifferences(TorchLosses.create("BCEWithLogitsLoss"), pred(), Nd4j.createFromArray(
                new double[][] {{0.0, 1.0, 0.3}, {1.0, 0.0, 0.9}}));
        assertGradientsMatchFiniteDifferences(TorchLosses.create("CrossEntropyLoss", Map.of("label_smoothing", 0.1)), pred(),
                Nd4j.createFromArray(2L, 0L));
        assertGradientsMatchFiniteDifferences(TorchLosses.create("GaussianNLLLoss"), pred(), target(),
                Nd4j.createFromArray(new double[][] {{0.5, 1.5, 2.0}, {0.7, 0.3, 1.1}}));
    }

    @Test
    void aWrongGradientFailsWithTheInputTheIndexAndBothValues() {
        // the gradient of pred[1, 2] doubled: 2 * 2 * (-0.4 - 0.2) = -2.4 instead of -1.2
        LossFunction buggy = new GradientBug(TorchLosses.create("MSELoss"), Reduction.NONE, 0, grad -> {
            grad.putScalar(new long[] {1, 2}, 2 * grad.getDouble(1, 2));
            return grad;
        });
        AssertionError e = assertThrows(AssertionError.class, () -> assertGradientsMatchFiniteDifferences(buggy, pred(), target()));
        Matcher m = Pattern.compile("MSELoss \\(reduction NONE\\): d loss\\[1, 2\\] / d input\\[1, 2\\] is (\\S+) by backward"
                + " \\(analytic\\) but (\\S+) by central differences \\(numeric, eps 1.000000000e-06\\); \\|analytic - numeric\\|"
                + " = (\\S+) exceeds atol 1.000000000e-05 \\+ rtol 0.001000000000 \\* \\|numeric\\|").matcher(e.getMessage());
        assertTrue(m.matches(), e.getMessage());
        assertEquals(-2.4, Double.parseDouble(m.group(1)), 1e-12);
        assertEquals(-1.2, Double.parseDouble(m.group(2)), 1e-8);
        assertEquals(1.2, Double.parseDouble(m.group(3)), 1e-8);
    }

    @Test
    void everyDifferentiableInputIsChecked() {
        // only the target's gradient is wrong, by 1e-3 at [0, 0]: beyond atol + rtol * |numeric|
        LossFunction buggy = new GradientBug(TorchLosses.create("MSELoss"), Reduction.MEAN, 1, grad -> {
            grad.putScalar(0, grad.getDouble(0) + 1e-3);
            return grad;
        });
        AssertionError e = assertThrows(AssertionError.class, () -> assertGradientsMatchFiniteDifferences(buggy, pred(), target()));
        assertEquals("MSELoss (reduction MEAN): d loss / d target[0, 0] is", e.getMessage().substring(0, 52));
    }

    @Test
    void everyReductionIsChecked() {
        LossFunction buggy = new GradientBug(TorchLosses.create("MSELoss"), Reduction.SUM, 0, grad -> grad.mul(1.01));
        AssertionError e = assertThrows(AssertionError.class, () -> assertGradientsMatchFiniteDifferences(buggy, pred(), target()));
        assertEquals("MSELoss (reduction SUM): d loss / d input[0, 0] is", e.getMessage().substring(0, 50));
    }

    @Test
    void aGradientWithinGradchecksTolerancePasses() {
        // 5e-6 off: inside atol 1e-5, as torch.autograd.gradcheck would accept it
        LossFunction nearlyRight = new GradientBug(TorchLosses.create("MSELoss"), Reduction.NONE, 0, grad -> grad.add(5e-6));
        assertGradientsMatchFiniteDifferences(nearlyRight, pred(), target());
    }

    @Test
    void aMissingGradientFails() {
        LossFunction noGradient = new GradientBug(TorchLosses.create("MSELoss"), Reduction.MEAN, 1, grad -> null);
        AssertionError e = assertThrows(AssertionError.class, () -> assertGradientsMatchFiniteDifferences(noGradient, pred(), target()));
        assertEquals("MSELoss (reduction MEAN): backward gives no gradient for 'target', which the loss's signature declares"
                + " differentiable", e.getMessage());
    }

    @Test
    void computesInFloat64AndLeavesTheCallersArraysAlone() {
        INDArray pred = pred().castTo(DataType.FLOAT);
        INDArray target = target().castTo(DataType.FLOAT);
        INDArray predBefore = pred.dup();
        // in float32, a central difference with eps 1e-6 would be noise: this passes only in float64
        assertGradientsMatchFiniteDifferences(TorchLosses.create("BCEWithLogitsLoss"), pred, target.add(1.0).div(3.0));
        assertEquals(DataType.FLOAT, pred.dataType());
        assertArrayEquals(predBefore.data().asDouble(), pred.data().asDouble());
    }

    @Test
    void theWrongNumberOfInputsIsAnIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> assertGradientsMatchFiniteDifferences(TorchLosses.create("MSELoss"), pred()));
        assertEquals("LossAssertions: MSELoss takes 2 inputs [input, target] but 1 were given", e.getMessage());
    }

    @Test
    void reductionsOfTheCatalogAgreeWithNone() {
        assertReductionsConsistent(TorchLosses.create("MSELoss"), pred(), target());
        assertReductionsConsistent(TorchLosses.create("CrossEntropyLoss"), pred(), Nd4j.createFromArray(2L, 0L));
    }

    @Test
    void aWeightedMeanNeedsItsDenominator() {
        LossFunction nll = TorchLosses.create("NLLLoss", Map.of("weight", Nd4j.createFromArray(0.5, 2.0, 1.0)));
        INDArray classes = Nd4j.createFromArray(2L, 1L);
        // MEAN divides by the selected weights, 1.0 + 2.0
        assertReductionsConsistent(nll, 3.0, pred(), classes);
        AssertionError e = assertThrows(AssertionError.class, () -> assertReductionsConsistent(nll, pred(), classes));
        assertEquals("NLLLoss: reduction MEAN is -0.3333333333 but the sum of reduction NONE's values divided by"
                + " 2.000000000 is -0.5000000000", e.getMessage());
    }

    @Test
    void aSumThatDisagreesWithNoneFails() {
        LossFunction buggy = new ForwardBug(TorchLosses.create("MSELoss"), Reduction.SUM, out -> out.add(1e-6));
        AssertionError e = assertThrows(AssertionError.class, () -> assertReductionsConsistent(buggy, pred(), target()));
        assertEquals("MSELoss: reduction SUM is 5.540001000 but the sum of reduction NONE's 6 values is 5.540000000",
                e.getMessage());
    }

    /** A loss with a deliberate bug in one input's gradient under one reduction. */
    private static final class GradientBug extends Delegating {
        private final int input;
        private final UnaryOperator<INDArray> bug;

        GradientBug(LossFunction correct, Reduction buggyReduction, int input, UnaryOperator<INDArray> bug) {
            super(correct, buggyReduction);
            this.input = input;
            this.bug = bug;
        }

        @Override
        public INDArray[] backward(INDArray gradOutput, INDArray... inputs) {
            INDArray[] grads = correct.backward(gradOutput, inputs);
            if (buggy()) {
                grads[input] = bug.apply(grads[input]);
            }
            return grads;
        }

        @Override
        public LossFunction withReduction(Reduction reduction) {
            return new GradientBug(correct.withReduction(reduction), buggyReduction, input, bug);
        }
    }

    /** A loss whose forward is wrong under one reduction. */
    private static final class ForwardBug extends Delegating {
        private final UnaryOperator<INDArray> bug;

        ForwardBug(LossFunction correct, Reduction buggyReduction, UnaryOperator<INDArray> bug) {
            super(correct, buggyReduction);
            this.bug = bug;
        }

        @Override
        public INDArray forward(INDArray... inputs) {
            INDArray out = correct.forward(inputs);
            return buggy() ? bug.apply(out) : out;
        }

        @Override
        public LossFunction withReduction(Reduction reduction) {
            return new ForwardBug(correct.withReduction(reduction), buggyReduction, bug);
        }
    }

    private abstract static class Delegating implements LossFunction {
        final LossFunction correct;
        final Reduction buggyReduction;

        Delegating(LossFunction correct, Reduction buggyReduction) {
            this.correct = correct;
            this.buggyReduction = buggyReduction;
        }

        boolean buggy() {
            return correct.reduction() == buggyReduction;
        }

        @Override
        public INDArray forward(INDArray... inputs) {
            return correct.forward(inputs);
        }

        @Override
        public INDArray[] backward(INDArray gradOutput, INDArray... inputs) {
            return correct.backward(gradOutput, inputs);
        }

        @Override
        public String name() {
            return correct.name();
        }

        @Override
        public Reduction reduction() {
            return correct.reduction();
        }

        @Override
        public LossSignature signature() {
            return correct.signature();
        }

        @Override
        public Map<String, Object> options() {
            return correct.options();
        }
    }
}
