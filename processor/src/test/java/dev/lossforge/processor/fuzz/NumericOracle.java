package dev.lossforge.processor.fuzz;

import dev.lossforge.LossAndGradients;
import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import dev.lossforge.dsl.Tensor;
import dev.lossforge.processor.fuzz.Program.Kind;
import dev.lossforge.processor.fuzz.Program.Param;
import dev.lossforge.runtime.Broadcasting;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs one generated loss against its own DSL method, called eagerly, and against finite differences:
 * <ul>
 *   <li>forward with reduction NONE equals the eager DSL's value (same shape, values to 1e-10);</li>
 *   <li>backward with a random gradOutput equals float64 central differences (step 1e-6, 1e-5 relative) of
 *       {@code sum(gradOutput * forward)}, for every element or a random sample of them plus a random direction;
 *       class indices and {@code @NoGrad} inputs get null;</li>
 *   <li>forwardBackward equals forward and backward;</li>
 *   <li>FLOAT value inputs give FLOAT results within float's rounding of the DOUBLE ones (for programs without
 *       comparisons, whose 0/1 values a rounding may flip);</li>
 *   <li>SUM, MEAN (by the element count, the {@code weighted} weights or a {@code meanDividedBy} divisor) and
 *       BATCHMEAN equal NONE's sum, mean and sum over the batch; SUM's and MEAN's backward equal NONE's with a
 *       constant gradOutput.</li>
 * </ul>
 * When a mismatch of the difference check comes with one-sided differences that disagree (the inputs sit on a
 * kink or a jump of {@code where}), the inputs are drawn again.
 */
final class NumericOracle {
    static final double FORWARD_TOLERANCE = 1e-10;
    static final double STEP = 1e-6;
    static final double FD_TOLERANCE = 1e-5;
    /** Elements checked one by one per program; beyond it a sample, plus one random direction. */
    static final int MAX_COORDINATES = 24;

    private static final java.util.Set<String> COMPARISONS = java.util.Set.of("gt", "ge", "lt", "le", "eq", "ne");

    /** What happened to one program. */
    enum Status { PASSED, KINKED, NON_FINITE }

    /** A failure of the oracle, with the inputs that show it. */
    static final class Mismatch extends Exception {
        Mismatch(String message) {
            super(message);
        }
    }

    private NumericOracle() {
    }

    /**
     * Checks program {@code p}, whose generated class is {@code lossClass} and whose DSL method is {@code eager}.
     *
     * @throws Mismatch describing the first disagreement
     */
    static Status check(Program p, Class<?> lossClass, Method eager, long seed) throws Mismatch {
        Random rnd = new Random(seed);
        Status status = Status.KINKED;
        for (int attempt = 0; attempt < 4 && status == Status.KINKED; attempt++) {
            status = checkOnce(p, lossClass, eager, rnd);
        }
        return status;
    }

    private static Status checkOnce(Program p, Class<?> lossClass, Method eager, Random rnd) throws Mismatch {
        List<Param> inputs = p.inputs();
        INDArray[] arrays = new INDArray[inputs.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = inputValue(inputs.get(i), inputs, rnd);
        }
        Object[] optionValues = new Object[p.params().size()];
        for (int i = 0; i < optionValues.length; i++) {
            Param o = p.params().get(i);
            if (o.kind() == Kind.OPT_TENSOR && o.set()) {
                optionValues[i] = uniform(o.shape(), o.lo(), o.hi(), rnd);
            }
        }
        String where = "\ninputs:\n" + describe(inputs, arrays);

        // ---------------- the generated loss, NONE
        LossFunction none = build(p, lossClass, optionValues).withReduction(Reduction.NONE);
        INDArray value;
        try {
            value = none.forward(arrays);
        } catch (RuntimeException e) {
            throw mismatch("generated forward threw " + trace(e), where);
        }

        // ---------------- the eager DSL
        Tensor eagerResult = eager(p, eager, inputs, arrays, optionValues);
        INDArray expected = eagerResult.value();
        if (!Arrays.equals(value.shape(), expected.shape())) {
            throw mismatch("forward NONE has shape " + Arrays.toString(value.shape()) + " but the eager DSL gives "
                    + Arrays.toString(expected.shape()), where);
        }
        double[] got = doubles(value);
        double[] want = doubles(expected);
        for (int i = 0; i < want.length; i++) {
            if (!close(got[i], want[i], FORWARD_TOLERANCE)) {
                throw mismatch("forward NONE [" + i + "] is " + got[i] + " but the eager DSL gives " + want[i]
                        + "\nforward: " + Arrays.toString(got) + "\neager:   " + Arrays.toString(want), where);
            }
        }
        boolean finite = Arrays.stream(want).allMatch(Double::isFinite);

        // ---------------- backward NONE
        INDArray gradOutput = uniform(value.shape(), -1, 1, rnd);
        INDArray[] grads;
        try {
            grads = none.backward(gradOutput, arrays);
        } catch (RuntimeException e) {
            throw mismatch("generated backward threw " + trace(e), where);
        }
        if (grads == null || grads.length != arrays.length) {
            throw mismatch("backward returned " + (grads == null ? "null" : grads.length + " gradients") + " for " + arrays.length + " inputs", where);
        }
        for (int i = 0; i < arrays.length; i++) {
            Param in = inputs.get(i);
            boolean differentiable = in.kind() == Kind.VALUE;
            if (!differentiable && grads[i] != null) {
                throw mismatch("backward gives a gradient for " + in.name() + ", which is " + in.kind(), where);
            }
            if (differentiable && grads[i] == null) {
                throw mismatch("backward gives null for the value input " + in.name(), where);
            }
            if (differentiable && !Arrays.equals(grads[i].shape(), arrays[i].shape())) {
                throw mismatch("the gradient of " + in.name() + " has shape " + Arrays.toString(grads[i].shape())
                        + " but the input " + Arrays.toString(arrays[i].shape()), where);
            }
        }
        checkForwardBackward(none, gradOutput, arrays, value, grads, where);

        // ---------------- reductions
        checkReductions(p, none, arrays, value, eagerResult, grads, where, rnd);

        // ---------------- FLOAT inputs compute in FLOAT, close to DOUBLE (not across a comparison: float's rounding of
        // tiny values, as ND4J's FLOAT log1p gives logSigmoid(20) = 0, may flip it)
        if (finite && java.util.Collections.disjoint(p.words(), COMPARISONS)) {
            checkFloat(none, inputs, arrays, value, gradOutput, grads, where);
        }

        // ---------------- an unbatched call is a batch of one
        if (p.optionalBatch()) {
            checkUnbatched(p, none, inputs, arrays, where, rnd);
        }

        // ---------------- finite differences
        if (!finite) {
            return Status.NON_FINITE;
        }
        for (INDArray g : grads) {
            if (g != null && !Arrays.stream(doubles(g)).allMatch(Double::isFinite)) {
                throw mismatch("a gradient is not finite where the loss is: " + Arrays.toString(doubles(g)), where);
            }
        }
        if (!p.fdExact()) {
            return Status.PASSED;
        }
        return finiteDifferences(none, inputs, arrays, gradOutput, grads, where, rnd);
    }

    // ------------------------------------------------------------------ finite differences

    private static Status finiteDifferences(LossFunction none, List<Param> inputs, INDArray[] arrays, INDArray gradOutput,
            INDArray[] grads, String where, Random rnd) throws Mismatch {
        double[] g = doubles(gradOutput);
        List<int[]> coords = new ArrayList<>();
        double gScale = 0;
        for (int i = 0; i < arrays.length; i++) {
            if (inputs.get(i).kind() != Kind.VALUE) continue;
            double[] gi = doubles(grads[i]);
            for (int k = 0; k < gi.length; k++) {
                coords.add(new int[] {i, k});
                gScale = Math.max(gScale, Math.abs(gi[k]));
            }
        }
        if (coords.isEmpty()) return Status.PASSED;
        double[] f0 = doubles(none.forward(arrays));
        double magnitude = 0;
        for (int k = 0; k < f0.length; k++) magnitude += Math.abs(g[k] * f0[k]);
        double noise = 50 * Math.ulp(1.0) * (1 + magnitude) / STEP;
        List<int[]> chosen = coords;
        if (coords.size() > MAX_COORDINATES) {
            chosen = new ArrayList<>(coords);
            java.util.Collections.shuffle(chosen, rnd);
            chosen = chosen.subList(0, MAX_COORDINATES);
        }
        for (int[] c : chosen) {
            Status s = compare(none, arrays, g, f0, c[0], c[1], doubles(grads[c[0]])[c[1]], gScale, noise, where, inputs);
            if (s != Status.PASSED) return s;
        }
        if (coords.size() > MAX_COORDINATES) {
            // one random direction over every value input
            INDArray[] dirs = new INDArray[arrays.length];
            double analytic = 0;
            for (int i = 0; i < arrays.length; i++) {
                if (inputs.get(i).kind() != Kind.VALUE) continue;
                dirs[i] = uniform(arrays[i].shape(), -1, 1, rnd);
                double[] d = doubles(dirs[i]);
                double[] gi = doubles(grads[i]);
                for (int k = 0; k < d.length; k++) analytic += d[k] * gi[k];
            }
            double fp = objective(none, shifted(arrays, dirs, STEP), g);
            double fm = objective(none, shifted(arrays, dirs, -STEP), g);
            double fd = (fp - fm) / (2 * STEP);
            double tol = FD_TOLERANCE * Math.max(Math.max(Math.abs(analytic), Math.abs(fd)), 1e-2 * gScale) + 10 * noise;
            if (!(Math.abs(fd - analytic) <= tol)) {
                double fc = objective(none, arrays, g);
                double fwd = (fp - fc) / STEP, bwd = (fc - fm) / STEP;
                if (kinked(fwd, bwd, fd, analytic)) return Status.KINKED;
                throw mismatch("directional derivative: backward gives " + analytic + ", central differences " + fd
                        + " (one-sided " + fwd + ", " + bwd + ")", where);
            }
        }
        return Status.PASSED;
    }

    private static Status compare(LossFunction none, INDArray[] arrays, double[] g, double[] f0, int input, int k, double analytic,
            double gScale, double noise, String where, List<Param> inputs) throws Mismatch {
        double fp = objective(none, bumped(arrays, input, k, STEP), g);
        double fm = objective(none, bumped(arrays, input, k, -STEP), g);
        double fd = (fp - fm) / (2 * STEP);
        double tol = FD_TOLERANCE * Math.max(Math.max(Math.abs(analytic), Math.abs(fd)), 1e-2 * gScale) + noise;
        if (Math.abs(fd - analytic) <= tol) {
            return Status.PASSED;
        }
        double fc = 0;
        for (int i = 0; i < f0.length; i++) fc += g[i] * f0[i];
        double fwd = (fp - fc) / STEP, bwd = (fc - fm) / STEP;
        if (!Double.isFinite(fd) || kinked(fwd, bwd, fd, analytic)) {
            return Status.KINKED;
        }
        throw mismatch("d/d " + inputs.get(input).name() + "[" + k + "]: backward gives " + analytic + ", central differences "
                + fd + " (one-sided " + fwd + ", " + bwd + ")", where);
    }

    /** One-sided differences that disagree by more than the mismatch: a kink or a jump between x-h and x+h. */
    private static boolean kinked(double fwd, double bwd, double fd, double analytic) {
        return Math.abs(fwd - bwd) > 0.5 * Math.abs(fd - analytic) && Math.abs(fwd - bwd) > 1e-4 * Math.max(1, Math.abs(fd));
    }

    private static double objective(LossFunction none, INDArray[] arrays, double[] g) {
        double[] f = doubles(none.forward(arrays));
        double s = 0;
        for (int i = 0; i < f.length; i++) s += g[i] * f[i];
        return s;
    }

    private static INDArray[] bumped(INDArray[] arrays, int input, int k, double by) {
        INDArray[] out = arrays.clone();
        INDArray a = arrays[input].dup('c');
        double[] v = a.data().asDouble();
        v[k] += by;
        out[input] = Nd4j.create(v, a.shape(), 'c');
        return out;
    }

    private static INDArray[] shifted(INDArray[] arrays, INDArray[] dirs, double by) {
        INDArray[] out = arrays.clone();
        for (int i = 0; i < arrays.length; i++) {
            if (dirs[i] != null) out[i] = arrays[i].add(dirs[i].mul(by));
        }
        return out;
    }

    // ------------------------------------------------------------------ forwardBackward and reductions

    private static void checkForwardBackward(LossFunction none, INDArray gradOutput, INDArray[] arrays, INDArray value,
            INDArray[] grads, String where) throws Mismatch {
        LossAndGradients both;
        try {
            both = none.forwardBackward(gradOutput, arrays);
        } catch (RuntimeException e) {
            throw mismatch("generated forwardBackward threw " + trace(e), where);
        }
        same("forwardBackward's loss", both.loss(), value, where);
        for (int i = 0; i < grads.length; i++) {
            same("forwardBackward's gradient " + i, both.gradients()[i], grads[i], where);
        }
    }

    private static void checkReductions(Program p, LossFunction none, INDArray[] arrays, INDArray value, Tensor eagerResult,
            INDArray[] grads, String where, Random rnd) throws Mismatch {
        double[] v = doubles(value);
        double sum = 0, abs = 0;
        for (double x : v) {
            sum += x;
            abs += Math.abs(x);
        }
        double denominator = v.length;
        INDArray meanWeights = eagerResult.meanWeights() == null ? null : eagerResult.meanWeights().value();
        if (meanWeights != null) {
            INDArray w = Broadcasting.expand(meanWeights.castTo(DataType.DOUBLE), value.shape());
            denominator = Arrays.stream(doubles(w)).sum();
        }
        double meanNumerator = sum;
        if (p.meanDivisor() != null) {
            int at = indexOf(p.inputs(), p.meanDivisor());
            INDArray divided = Broadcasting.div(value, arrays[at].castTo(DataType.DOUBLE));
            meanNumerator = Arrays.stream(doubles(divided)).sum();
        }
        double scale = Math.max(1, abs);
        reduced(p, none, Reduction.SUM, arrays, sum, scale, where);
        reduced(p, none, Reduction.MEAN, arrays, meanNumerator / denominator, scale / Math.max(1e-300, Math.abs(denominator)), where);
        long batch = arrays[0].rank() == 0 ? 1 : arrays[0].size(0);
        reduced(p, none, Reduction.BATCHMEAN, arrays, sum / batch, scale, where);

        // SUM's, MEAN's and BATCHMEAN's backward are NONE's with a constant gradOutput
        double gs = 0.25 + rnd.nextDouble();
        backwardOfReduced(none, Reduction.SUM, arrays, value, gs, gs, where);
        if (p.meanDivisor() == null) {
            backwardOfReduced(none, Reduction.MEAN, arrays, value, gs, gs / denominator, where);
        }
        backwardOfReduced(none, Reduction.BATCHMEAN, arrays, value, gs, gs / batch, where);
    }

    private static void reduced(Program p, LossFunction none, Reduction r, INDArray[] arrays, double expected, double scale, String where)
            throws Mismatch {
        INDArray got;
        try {
            got = none.withReduction(r).forward(arrays);
        } catch (RuntimeException e) {
            throw mismatch(r + " forward threw " + trace(e), where);
        }
        if (got.length() != 1) {
            throw mismatch(r + " gives shape " + Arrays.toString(got.shape()) + ", not a scalar", where);
        }
        double x = got.getDouble(0);
        if (!(Double.isNaN(x) && Double.isNaN(expected) || x == expected || Math.abs(x - expected) <= FORWARD_TOLERANCE * Math.max(1, scale))) {
            throw mismatch(r + " gives " + x + " but NONE's values give " + expected, where);
        }
    }

    private static void backwardOfReduced(LossFunction none, Reduction r, INDArray[] arrays, INDArray value, double gs, double fill,
            String where) throws Mismatch {
        if (!Double.isFinite(fill)) return;
        INDArray[] reduced;
        INDArray[] viaNone;
        try {
            reduced = none.withReduction(r).backward(Nd4j.scalar(gs), arrays);
            viaNone = none.backward(Nd4j.valueArrayOf(value.shape(), fill, DataType.DOUBLE), arrays);
        } catch (RuntimeException e) {
            throw mismatch(r + " backward threw " + trace(e), where);
        }
        for (int i = 0; i < arrays.length; i++) {
            if (reduced[i] == null && viaNone[i] == null) continue;
            if (reduced[i] == null || viaNone[i] == null) {
                throw mismatch(r + " backward and NONE's differ in null gradients at input " + i, where);
            }
            double[] a = doubles(reduced[i]);
            double[] b = doubles(viaNone[i]);
            for (int k = 0; k < a.length; k++) {
                if (!close(a[k], b[k], 1e-10)) {
                    throw mismatch(r + " backward of input " + i + " [" + k + "] is " + a[k] + " but NONE's with gradOutput "
                            + fill + " gives " + b[k], where);
                }
            }
        }
    }

    /**
     * FLOAT value inputs: the loss and the gradients come back in FLOAT and agree with the DOUBLE ones to 1e-3 of the
     * largest magnitude of each array (float's rounding, amplified at most a little by the programs' bounded values).
     */
    private static void checkFloat(LossFunction none, List<Param> inputs, INDArray[] arrays, INDArray value, INDArray gradOutput,
            INDArray[] grads, String where) throws Mismatch {
        INDArray[] floats = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            floats[i] = inputs.get(i).kind() == Kind.INDEX ? arrays[i] : arrays[i].castTo(DataType.FLOAT);
        }
        INDArray got;
        INDArray[] floatGrads;
        try {
            got = none.forward(floats);
            floatGrads = none.backward(gradOutput.castTo(DataType.FLOAT), floats);
        } catch (RuntimeException e) {
            throw mismatch("with FLOAT inputs, the generated loss threw " + trace(e), where);
        }
        if (got.dataType() != DataType.FLOAT) {
            throw mismatch("with FLOAT inputs, forward returns " + got.dataType(), where);
        }
        nearly("with FLOAT inputs, forward", got, value, where);
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) continue;
            if (floatGrads[i] == null || floatGrads[i].dataType() != DataType.FLOAT) {
                throw mismatch("with FLOAT inputs, the gradient of " + inputs.get(i).name() + " is "
                        + (floatGrads[i] == null ? "null" : floatGrads[i].dataType()), where);
            }
            nearly("with FLOAT inputs, the gradient of " + inputs.get(i).name(), floatGrads[i], grads[i], where);
        }
    }

    private static void nearly(String what, INDArray got, INDArray want, String where) throws Mismatch {
        double[] a = doubles(got), b = doubles(want);
        double scale = 1;
        for (double x : b) scale = Math.max(scale, Math.abs(x));
        for (int k = 0; k < b.length; k++) {
            if (!(Math.abs(a[k] - b[k]) <= 1e-3 * scale)) {
                throw mismatch(what + " [" + k + "] is " + a[k] + " but " + b[k] + " in DOUBLE", where);
            }
        }
    }

    /**
     * With {@code optionalBatch = "N"}: the inputs' first rows, with and without their leading dim, give the same loss
     * (without the batch dim when the loss has it) and the same gradients.
     */
    private static void checkUnbatched(Program p, LossFunction none, List<Param> inputs, INDArray[] arrays, String where, Random rnd)
            throws Mismatch {
        INDArray[] one = new INDArray[arrays.length];
        INDArray[] unbatched = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            if (inputs.get(i).batched()) {
                one[i] = firstRow(arrays[i], true);
                unbatched[i] = firstRow(arrays[i], false);
            } else {
                one[i] = arrays[i];
                unbatched[i] = arrays[i];
            }
        }
        String at = where + "unbatched call: " + describe(inputs, unbatched);
        INDArray batchOfOne = none.forward(one);
        INDArray value;
        try {
            value = none.forward(unbatched);
        } catch (RuntimeException e) {
            throw mismatch("the unbatched forward threw " + trace(e), at);
        }
        long[] expectedShape = p.resultLeadsWithN() ? Arrays.copyOfRange(batchOfOne.shape(), 1, batchOfOne.rank()) : batchOfOne.shape();
        if (!Arrays.equals(value.shape(), expectedShape)) {
            throw mismatch("the unbatched forward has shape " + Arrays.toString(value.shape()) + "; the batch of one "
                    + Arrays.toString(batchOfOne.shape()) + (p.resultLeadsWithN() ? ", so without its batch dim " : ", so ")
                    + Arrays.toString(expectedShape), at);
        }
        same("the unbatched forward", value, batchOfOne.reshape(expectedShape), at);
        INDArray g = uniform(value.shape(), -1, 1, rnd);
        INDArray[] gradsOne = none.backward(g.reshape(batchOfOne.shape()), one);
        INDArray[] grads;
        try {
            grads = none.backward(g, unbatched);
        } catch (RuntimeException e) {
            throw mismatch("the unbatched backward threw " + trace(e), at);
        }
        for (int i = 0; i < grads.length; i++) {
            same("the unbatched gradient of " + inputs.get(i).name(), grads[i],
                    gradsOne[i] == null ? null : gradsOne[i].reshape(unbatched[i].shape()), at);
        }
        for (Reduction r : List.of(Reduction.SUM, Reduction.MEAN)) {
            same("the unbatched " + r, none.withReduction(r).forward(unbatched), none.withReduction(r).forward(one), at);
        }
    }

    /** The first entry along dim 0, keeping that dim (as size 1) or not. */
    private static INDArray firstRow(INDArray a, boolean keep) {
        long[] shape = a.shape();
        long[] rest = Arrays.copyOfRange(shape, 1, shape.length);
        int n = (int) Arrays.stream(rest).reduce(1, (x, y) -> x * y);
        long[] out = keep ? concat(new long[] {1}, rest) : rest;
        if (a.dataType().isFPType()) {
            return Nd4j.create(Arrays.copyOf(doubles(a), n), out, 'c');
        }
        long[] v = Arrays.copyOf(a.dup('c').data().asLong(), n);
        return Nd4j.createFromArray(v).reshape(out);
    }

    private static long[] concat(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void same(String what, INDArray a, INDArray b, String where) throws Mismatch {
        if (a == null && b == null) return;
        if (a == null || b == null || !Arrays.equals(a.shape(), b.shape())) {
            throw mismatch(what + " differs: " + a + " vs " + b, where);
        }
        double[] x = doubles(a), y = doubles(b);
        for (int i = 0; i < x.length; i++) {
            if (!close(x[i], y[i], 1e-12)) {
                throw mismatch(what + " [" + i + "] is " + x[i] + " vs " + y[i], where);
            }
        }
    }

    // ------------------------------------------------------------------ inputs, options, the eager call

    private static LossFunction build(Program p, Class<?> lossClass, Object[] optionValues) throws Mismatch {
        try {
            LossBuilder b = (LossBuilder) lossClass.getMethod("builder").invoke(null);
            for (int i = 0; i < optionValues.length; i++) {
                if (optionValues[i] != null) {
                    b.set(p.params().get(i).name(), optionValues[i]);
                }
            }
            return b.build();
        } catch (InvocationTargetException e) {
            throw mismatch("building the loss threw " + trace(e.getCause()), "");
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw mismatch("building the loss threw " + trace(e), "");
        }
    }

    private static Tensor eager(Program p, Method eager, List<Param> inputs, INDArray[] arrays, Object[] optionValues) throws Mismatch {
        Object[] args = new Object[p.params().size()];
        int t = 0;
        for (int i = 0; i < args.length; i++) {
            Param o = p.params().get(i);
            if (o.kind().isTensorInput()) {
                args[i] = Tensor.of(arrays[t++]);
            } else if (o.kind() == Kind.OPT_TENSOR) {
                // unset, a tensor option behaves as a tensor of its declared shape filled with its default
                args[i] = Tensor.of(o.set() ? (INDArray) optionValues[i]
                        : Nd4j.valueArrayOf(o.shape(), (Double) o.defaultValue(), DataType.DOUBLE));
            } else {
                args[i] = o.defaultValue();
            }
        }
        try {
            return (Tensor) eager.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw mismatch("the eager DSL threw " + trace(e.getCause()), "\ninputs:\n" + describe(inputs, arrays));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static INDArray inputValue(Param in, List<Param> all, Random rnd) {
        if (in.kind() != Kind.INDEX) {
            return uniform(in.shape(), in.lo(), in.hi(), rnd);
        }
        long[] shape = in.shape();
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        long[] v = new long[n];
        String kind = (String) in.defaultValue();
        switch (kind) {
            case "multilabel" -> {
                int classes = (int) in.hi();
                for (int row = 0; row < n / classes; row++) {
                    List<Integer> perm = new ArrayList<>();
                    for (int c = 0; c < classes; c++) perm.add(c);
                    java.util.Collections.shuffle(perm, rnd);
                    int k = rnd.nextInt(classes + 1);
                    for (int c = 0; c < classes; c++) v[row * classes + c] = c < k ? perm.get(c) : -1;
                }
            }
            case "ctc:inputLengths" -> {
                for (int i = 0; i < n; i++) v[i] = (long) in.hi() - rnd.nextInt(2);
            }
            default -> {
                for (int i = 0; i < n; i++) v[i] = (long) in.lo() + rnd.nextInt((int) (in.hi() - in.lo()));
            }
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }

    static INDArray uniform(long[] shape, double lo, double hi, Random rnd) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        double margin = (hi - lo) * 0.01;
        for (int i = 0; i < n; i++) v[i] = lo + margin + (hi - lo - 2 * margin) * rnd.nextDouble();
        return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c');
    }

    static double[] doubles(INDArray a) {
        return a.length() == 0 ? new double[0] : a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    private static boolean close(double a, double b, double tol) {
        if (Double.isNaN(a) || Double.isNaN(b)) return Double.isNaN(a) && Double.isNaN(b);
        if (Double.isInfinite(a) || Double.isInfinite(b)) return a == b;
        return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
    }

    private static int indexOf(List<Param> inputs, String name) {
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).name().equals(name)) return i;
        }
        throw new IllegalArgumentException(name);
    }

    private static String describe(List<Param> inputs, INDArray[] arrays) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < arrays.length; i++) {
            sb.append("  ").append(inputs.get(i).name()).append(' ').append(Arrays.toString(arrays[i].shape())).append(' ')
                    .append(Arrays.toString(doubles(arrays[i]))).append('\n');
        }
        return sb.toString();
    }

    private static Mismatch mismatch(String what, String where) {
        return new Mismatch(what + where);
    }

    static String trace(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) sb.append("\n    at ").append(st[i]);
        if (e.getCause() != null && e.getCause() != e) sb.append("\n  caused by ").append(trace(e.getCause()));
        return sb.toString();
    }
}
