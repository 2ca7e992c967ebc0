package dev.lossforge.testing;

import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import dev.lossforge.Reduction;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One-line checks for a loss of your own, usable from any test framework: each throws an {@link AssertionError}
 * (which JUnit, TestNG and Spock all report as a failure) and depends on nothing but the LossForge runtime.
 *
 * <pre>{@code
 * LossAssertions.assertGradientsMatchFiniteDifferences(new FocalLoss(), logits, targets);
 * LossAssertions.assertReductionsConsistent(new FocalLoss(), logits, targets);
 * }</pre>
 *
 * <p>Both compute in float64 on copies of the inputs: the caller's arrays are never modified.
 */
public final class LossAssertions {
    /** The step of the central differences: {@code torch.autograd.gradcheck}'s default {@code eps}. */
    public static final double EPS = 1e-6;
    /** The absolute tolerance: {@code gradcheck}'s default {@code atol}. */
    public static final double ATOL = 1e-5;
    /** The relative tolerance, relative to the numeric value: {@code gradcheck}'s default {@code rtol}. */
    public static final double RTOL = 1e-3;
    /**
     * How closely a reduction must agree with the unreduced loss: the same values summed in another order,
     * so float64 rounding only.
     */
    public static final double REDUCTION_TOLERANCE = 1e-10;

    private LossAssertions() {
    }

    /**
     * Checks {@code loss.backward} against central finite differences of {@code loss.forward}, as PyTorch's
     * {@code gradcheck} does: for every reduction, every input the loss's signature calls differentiable and
     * every element of it, the analytic and the numeric derivative must satisfy
     * {@code |analytic - numeric| <= ATOL + RTOL * |numeric|}. Under {@link Reduction#NONE} the whole Jacobian
     * is checked, one output element at a time. Inputs are copied to float64 (class indices are left as they
     * are), so pick values away from kinks (0 for abs or relu, ties of max), where no finite difference is exact.
     *
     * @param inputs the loss's inputs in call order, as for {@link LossFunction#forward}
     * @throws AssertionError naming the reduction, the input, the element's index, and both values, at the first
     *         derivative out of tolerance; also when backward gives no gradient, or one of the wrong shape, for a
     *         differentiable input, or when forward or backward modifies an input
     * @throws IllegalArgumentException when the inputs do not match the loss's arity
     */
    public static void assertGradientsMatchFiniteDifferences(LossFunction loss, INDArray... inputs) {
        INDArray[] x = float64Copies(loss, inputs);
        INDArray[] untouched = copies(x);
        for (Reduction reduction : Reduction.values()) {
            GradientCheck check = new GradientCheck(loss.withReduction(reduction), x);
            check.run();
        }
        assertUnmodified(loss, untouched, x);
    }

    /**
     * Checks that the reductions agree with the unreduced loss: SUM is the sum of NONE's values and MEAN their
     * mean, and likewise for the gradients (SUM's is NONE's with a gradient of ones, MEAN's is SUM's divided by
     * the element count), to {@link #REDUCTION_TOLERANCE} relative. NaN agrees with NaN. For a weighted loss
     * ({@code weighted(loss, w)} in the DSL, whose MEAN divides by the sum of weights) use
     * {@link #assertReductionsConsistent(LossFunction, double, INDArray...)}.
     */
    public static void assertReductionsConsistent(LossFunction loss, INDArray... inputs) {
        INDArray[] x = float64Copies(loss, inputs);
        INDArray none = loss.withReduction(Reduction.NONE).forward(x);
        checkReductions(loss, x, none, none.length());
    }

    /**
     * {@link #assertReductionsConsistent(LossFunction, INDArray...)} for a loss whose MEAN divides the sum by
     * {@code meanDenominator} rather than by the element count, such as NLLLoss with class weights (the sum of
     * the selected weights).
     */
    public static void assertReductionsConsistent(LossFunction loss, double meanDenominator, INDArray... inputs) {
        INDArray[] x = float64Copies(loss, inputs);
        INDArray none = loss.withReduction(Reduction.NONE).forward(x);
        checkReductions(loss, x, none, meanDenominator);
    }

    private static void checkReductions(LossFunction loss, INDArray[] x, INDArray none, double meanDenominator) {
        String name = loss.name();
        double noneSum = none.isEmpty() ? 0.0 : none.sumNumber().doubleValue();
        INDArray one = Nd4j.scalar(DataType.DOUBLE, 1.0);

        LossFunction sum = loss.withReduction(Reduction.SUM);
        requireAgreement(name + ": reduction SUM", sum.forward(x).getDouble(0),
                "the sum of reduction NONE's " + none.length() + " values", noneSum);
        LossFunction mean = loss.withReduction(Reduction.MEAN);
        requireAgreement(name + ": reduction MEAN", mean.forward(x).getDouble(0),
                "the sum of reduction NONE's values divided by " + format(meanDenominator), noneSum / meanDenominator);

        INDArray[] noneGrads = loss.withReduction(Reduction.NONE).backward(Nd4j.onesLike(none), x);
        INDArray[] sumGrads = sum.backward(one, x);
        INDArray[] meanGrads = mean.backward(one, x);
        List<LossSignature.Input> declared = loss.signature().inputs();
        for (int i = 0; i < x.length; i++) {
            if (!declared.get(i).differentiable()) {
                continue;
            }
            String input = declared.get(i).name();
            INDArray expectedSum = gradientOf(name + " (reduction NONE)", noneGrads, i, input, x[i]);
            INDArray actualSum = gradientOf(name + " (reduction SUM)", sumGrads, i, input, x[i]);
            INDArray actualMean = gradientOf(name + " (reduction MEAN)", meanGrads, i, input, x[i]);
            for (long k = 0; k < x[i].length(); k++) {
                String at = input + index(x[i].shape(), k);
                requireAgreement(name + ": reduction SUM's d loss / d " + at, actualSum.getDouble(k),
                        "reduction NONE's with a gradient of ones", expectedSum.getDouble(k));
                requireAgreement(name + ": reduction MEAN's d loss / d " + at, actualMean.getDouble(k),
                        "reduction SUM's divided by " + format(meanDenominator), expectedSum.getDouble(k) / meanDenominator);
            }
        }
    }

    /** One reduction's check: the analytic Jacobian, one output element at a time, against central differences. */
    private static final class GradientCheck {
        private final LossFunction loss;
        private final INDArray[] x;
        private final List<LossSignature.Input> declared;

        GradientCheck(LossFunction loss, INDArray[] x) {
            this.loss = loss;
            this.x = x;
            this.declared = loss.signature().inputs();
        }

        void run() {
            INDArray output = loss.forward(x);
            boolean reduced = loss.reduction() != Reduction.NONE;
            // analytic[i] holds one row per output element: d output[j] / d input i
            INDArray[][] analytic = new INDArray[x.length][(int) output.length()];
            for (int j = 0; j < output.length(); j++) {
                INDArray seed = Nd4j.zeros(DataType.DOUBLE, output.shape());
                seed.putScalar(j, 1.0);
                INDArray[] grads = loss.backward(seed, x);
                for (int i = 0; i < x.length; i++) {
                    if (declared.get(i).differentiable()) {
                        analytic[i][j] = gradientOf(describe(), grads, i, declared.get(i).name(), x[i]);
                    }
                }
            }
            for (int i = 0; i < x.length; i++) {
                if (declared.get(i).differentiable()) {
                    checkInput(i, analytic[i], reduced);
                }
            }
        }

        private void checkInput(int i, INDArray[] analyticRows, boolean reduced) {
            INDArray perturbed = x[i].dup('c');
            INDArray[] args = x.clone();
            args[i] = perturbed;
            for (long k = 0; k < perturbed.length(); k++) {
                double value = perturbed.getDouble(k);
                perturbed.putScalar(k, value + EPS);
                INDArray plus = loss.forward(args).dup('c');
                perturbed.putScalar(k, value - EPS);
                INDArray minus = loss.forward(args).dup('c');
                perturbed.putScalar(k, value);
                for (int j = 0; j < analyticRows.length; j++) {
                    double numeric = (plus.getDouble(j) - minus.getDouble(j)) / (2 * EPS);
                    double analytic = analyticRows[j].getDouble(k);
                    if (!(Math.abs(analytic - numeric) <= ATOL + RTOL * Math.abs(numeric))) {
                        String of = reduced ? "loss" : "loss" + index(minus.shape(), j);
                        throw new AssertionError(String.format(Locale.ROOT,
                                "%s: d %s / d %s%s is %s by backward (analytic) but %s by central differences (numeric,"
                                        + " eps %s); |analytic - numeric| = %s exceeds atol %s + rtol %s * |numeric|",
                                describe(), of, declared.get(i).name(), index(perturbed.shape(), k), format(analytic),
                                format(numeric), format(EPS), format(Math.abs(analytic - numeric)), format(ATOL), format(RTOL)));
                    }
                }
            }
        }

        private String describe() {
            return loss.name() + " (reduction " + loss.reduction() + ")";
        }
    }

    /** The gradient of input {@code i}, which must be there and have the input's shape. */
    private static INDArray gradientOf(String what, INDArray[] grads, int i, String input, INDArray x) {
        if (grads == null || grads.length <= i || grads[i] == null) {
            throw new AssertionError(what + ": backward gives no gradient for '" + input
                    + "', which the loss's signature declares differentiable");
        }
        if (!Arrays.equals(grads[i].shape(), x.shape())) {
            throw new AssertionError(what + ": backward's gradient for '" + input + "' has shape "
                    + Arrays.toString(grads[i].shape()) + " but the input has shape " + Arrays.toString(x.shape()));
        }
        return grads[i].dup('c');
    }

    /** The inputs, copied, value inputs in float64; class indices (and other index inputs) keep their type. */
    private static INDArray[] float64Copies(LossFunction loss, INDArray[] inputs) {
        if (loss == null) {
            throw new IllegalArgumentException("LossAssertions: the loss is null");
        }
        List<LossSignature.Input> declared = loss.signature().inputs();
        if (inputs == null || inputs.length != declared.size()) {
            throw new IllegalArgumentException("LossAssertions: " + loss.name() + " takes " + declared.size() + " inputs "
                    + declared.stream().map(LossSignature.Input::name).toList() + " but "
                    + (inputs == null ? 0 : inputs.length) + " were given");
        }
        INDArray[] copies = new INDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException("LossAssertions: " + loss.name() + "'s input '" + declared.get(i).name()
                        + "' is null");
            }
            copies[i] = declared.get(i).index() ? inputs[i].dup('c') : inputs[i].castTo(DataType.DOUBLE).dup('c');
        }
        return copies;
    }

    private static INDArray[] copies(INDArray[] arrays) {
        INDArray[] copies = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            copies[i] = arrays[i].dup('c');
        }
        return copies;
    }

    private static void assertUnmodified(LossFunction loss, INDArray[] before, INDArray[] after) {
        for (int i = 0; i < before.length; i++) {
            // bit for bit: INDArray.equals allows a difference of 1e-5
            if (!Arrays.equals(before[i].data().asDouble(), after[i].dup('c').data().asDouble())) {
                throw new AssertionError(loss.name() + ": forward or backward modified its input '"
                        + loss.signature().inputs().get(i).name() + "'");
            }
        }
    }

    /** Agreement to {@link #REDUCTION_TOLERANCE}, relative to the larger of 1 and |expected|; NaN agrees with NaN. */
    private static void requireAgreement(String what, double actual, String expectedWhat, double expected) {
        boolean bothNaN = Double.isNaN(actual) && Double.isNaN(expected);
        boolean sameInfinity = Double.isInfinite(expected) && actual == expected;
        if (bothNaN || sameInfinity
                || Math.abs(actual - expected) <= REDUCTION_TOLERANCE * Math.max(1.0, Math.abs(expected))) {
            return;
        }
        throw new AssertionError(what + " is " + format(actual) + " but " + expectedWhat + " is " + format(expected));
    }

    /** {@code [1, 2]}: the c-order multi-index of element {@code k} of an array of {@code shape}. */
    static String index(long[] shape, long k) {
        long[] at = new long[shape.length];
        long rest = k;
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = rest % shape[d];
            rest /= shape[d];
        }
        return Arrays.toString(at);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.10g", v);
    }
}
