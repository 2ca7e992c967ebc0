package dev.lossforge.torch;

import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every gradient of every catalog loss against float64 central finite differences, at the float64 points of
 * the golden files. Points PyTorch's generator placed on purpose at a kink, a clamp or a non-finite value are
 * left out (a derivative there is a convention, which the golden test checks instead).
 */
class EveryLossFiniteDifferenceTest {
    private static final double STEP = 1e-6;
    private static final int CASES_PER_LOSS = 8;
    /** Case ids naming deliberate kinks, ties, clamps or non-finite values. */
    private static final List<String> CONVENTION_POINTS = List.of("nan", "inf", "edge", "boundary", "exact", "large", "tie",
            "zero", "clamp", "ignored", "infeasible", "negative_var", "eps");

    @TestFactory
    Stream<DynamicTest> everyGradientOfEveryLossMatchesFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String loss : TorchLosses.names()) {
            if (loss.equals("CTCLoss")) {
                continue; // PyTorch's CTC gradient is the one through a log_softmax; runtime's CtcTest checks it that way
            }
            int taken = 0;
            for (GoldenCase c : GoldenCase.load(loss)) {
                if (taken < CASES_PER_LOSS && usable(c)) {
                    taken++;
                    tests.add(DynamicTest.dynamicTest(c.toString(), () -> check(c)));
                }
            }
        }
        return tests.stream();
    }

    private static boolean usable(GoldenCase c) {
        return !c.rejects() && c.dtype().equals("float64") && GoldenTest.Scope.unsupported(c) == null
                && CONVENTION_POINTS.stream().noneMatch(c.id()::contains) && !(c.loss().equals("BCELoss") && onDomainBoundary(c.inputs().get(0)));
    }

    /** A probability within one step of 0 or 1, where a finite difference would leave BCELoss's domain. */
    private static boolean onDomainBoundary(INDArray probabilities) {
        double min = probabilities.minNumber().doubleValue();
        double max = probabilities.maxNumber().doubleValue();
        return min < 10 * STEP || max > 1 - 10 * STEP;
    }

    private static void check(GoldenCase c) {
        LossFunction loss = TorchLosses.create(c.loss(), c.options());
        INDArray[] inputs = c.inputs().toArray(new INDArray[0]);
        INDArray gradOutput = c.gradOutput();
        INDArray[] grads = loss.backward(gradOutput, inputs);
        List<LossSignature.Input> declared = loss.signature().inputs();
        for (int i = 0; i < inputs.length; i++) {
            if (!declared.get(i).differentiable()) {
                continue;
            }
            INDArray numeric = Nd4j.zeros(DataType.DOUBLE, inputs[i].shape());
            for (long k = 0; k < inputs[i].length(); k++) {
                double plus = objective(loss, perturbed(inputs, i, k, STEP), gradOutput);
                double minus = objective(loss, perturbed(inputs, i, k, -STEP), gradOutput);
                numeric.putScalar(k, (plus - minus) / (2 * STEP));
            }
            GoldenTest.assertClose(c + " d/d" + declared.get(i).name() + " vs finite differences", numeric, grads[i], 1e-5);
        }
    }

    /** sum(forward(inputs) * gradOutput): its gradient is backward's vector-Jacobian product. */
    private static double objective(LossFunction loss, INDArray[] inputs, INDArray gradOutput) {
        return loss.forward(inputs).mul(gradOutput).sumNumber().doubleValue();
    }

    private static INDArray[] perturbed(INDArray[] inputs, int which, long element, double delta) {
        INDArray[] copy = inputs.clone();
        copy[which] = inputs[which].dup('c');
        copy[which].putScalar(element, copy[which].getDouble(element) + delta);
        return copy;
    }
}
