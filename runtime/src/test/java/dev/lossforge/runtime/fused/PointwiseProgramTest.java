package dev.lossforge.runtime.fused;

import static dev.lossforge.runtime.fused.PointwiseOp.*;
import static dev.lossforge.runtime.fused.PointwiseProgram.NO_GRADIENT_NAME;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossAndGradients;
import dev.lossforge.Reduction;
import dev.lossforge.runtime.Broadcasting;
import dev.lossforge.runtime.Pointwise;
import dev.lossforge.runtime.TorchPrimitives;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class PointwiseProgramTest {
    /** MSE: (x - t)^2 with d/dx = g * 2 (x - t), d/dt = -d/dx. */
    private static final PointwiseProgram MSE = PointwiseProgram.builder("MSE")
            .inputs("input", "target").seed("gradLoss")
            .step("sub", SUB, "input", "target")
            .step("square", SQUARE, "sub")
            .step("mul", MUL, "sub", "2.0")
            .step("gradInput", MUL, "gradLoss", "mul")
            .step("gradTarget", NEG, "gradInput")
            .loss("square").gradient("input", "gradInput").gradient("target", "gradTarget")
            .build();

    /** flag ? x * y : x, where the gradient of y is "no gradient" when the flag is off. */
    private static final PointwiseProgram CHOOSE = PointwiseProgram.builder("Choose")
            .inputs("x", "y").scalars("flag").seed("g")
            .step("xy", MUL, "x", "y")
            .choose("value", "flag", "xy", "x")
            .step("gy", MUL, "g", "x")
            .choose("gradXy", "flag", "g", NO_GRADIENT_NAME)
            .choose("gradX0", "flag", NO_GRADIENT_NAME, "g")
            .step("gx1", MUL, "gradXy", "y")
            .step("gradX", ADD, "gx1", "gradX0")
            .step("gradY", MUL, "gradXy", "x")
            .loss("value").gradient("x", "gradX").gradient("y", "gradY")
            .build();

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, shape);
    }

    @Test
    void mseMatchesTheNd4jKernelsForEveryReduction() {
        // the last shape is big enough for the streaming blocks of a memory-bound pass (blockFor)
        for (long[] shape : new long[][] {{3, 5}, {70_001}, {300, 1000}, {1100, 1001}}) {
            INDArray x = random(1, shape);
            INDArray t = random(2, shape);
            INDArray x0 = x.dup();
            INDArray sq = Pointwise.square(Broadcasting.sub(x, t));
            double sum = 0;
            for (float v : sq.data().asFloat()) {
                sum += v;
            }
            INDArray mean = MSE.forward(Reduction.MEAN, x, t);
            assertEquals(sum / x.length(), mean.getDouble(0), 1e-5 * Math.abs(sum / x.length()));
            assertEquals(sum, MSE.forward(Reduction.SUM, x, t).getDouble(0), 1e-5 * Math.abs(sum));
            assertEquals(sq, MSE.forward(Reduction.NONE, x, t));
            LossAndGradients both = MSE.forwardBackward(Reduction.MEAN, Nd4j.scalar(2f), x, t);
            INDArray expected = Broadcasting.sub(x, t).mul(4.0 / x.length());
            assertTrue(expected.equalsWithEps(both.gradients()[0], 1e-6), "gradient");
            assertEquals(expected.neg(), both.gradients()[1]);
            assertEquals(x0, x, "the input is not modified");
        }
    }

    @Test
    void aNaNOrAnInfinityInALongSumReachesTheLoss() {
        // in whole blocks (summed lane by lane), in a task's last partial block, and in a later task; in
        // 1024-float blocks, then in the streaming blocks of an array too big for the caches
        for (int length : new int[] {201_000, (int) PointwiseProgram.STREAMING_LENGTH + 1000}) {
            INDArray x = random(9, length);
            INDArray t = random(10, length);
            for (int at : new int[] {5, PointwiseProgram.TASK - 17, PointwiseProgram.TASK + 2 * PointwiseProgram.BLOCK + 3, length - 1}) {
                float was = x.getFloat(at);
                x.putScalar(at, Float.NaN);
                assertTrue(Double.isNaN(MSE.forward(Reduction.SUM, x, t).getDouble(0)), "NaN at " + at + " of " + length);
                x.putScalar(at, Float.POSITIVE_INFINITY);
                assertEquals(Double.POSITIVE_INFINITY, MSE.forward(Reduction.MEAN, x, t).getDouble(0), "infinity at " + at + " of " + length);
                x.putScalar(at, was);
            }
        }
    }

    @Test
    void onlyCheapPassesOverBigArraysRunInStreamingBlocks() {
        long big = PointwiseProgram.STREAMING_LENGTH;
        assertEquals(PointwiseProgram.STREAMING_BLOCK, PointwiseProgram.blockFor(5, big), "smooth L1's gradient pass");
        assertEquals(PointwiseProgram.BLOCK, PointwiseProgram.blockFor(5, big - 1), "arrays the caches hold");
        assertEquals(PointwiseProgram.BLOCK, PointwiseProgram.blockFor(EXP.cost() + 3, big), "a pass with an exp");
        assertTrue(PointwiseProgram.BLOCK % PointwiseProgram.STREAMING_BLOCK == 0 && PointwiseProgram.TASK % PointwiseProgram.BLOCK == 0,
                "tasks are whole blocks of either size");
    }

    @Test
    void seedOfReductionNoneIsTheGradOutputTensor() {
        INDArray x = random(3, 4, 6);
        INDArray t = random(4, 4, 6);
        INDArray g = random(5, 4, 6);
        INDArray[] grads = MSE.backward(Reduction.NONE, g, x, t);
        assertTrue(g.mul(Broadcasting.sub(x, t)).mul(2.0).equalsWithEps(grads[0], 1e-6));
        assertNull(MSE.backward(Reduction.NONE, random(5, 6, 4), x, t), "a gradOutput of another shape is left to the general path");
    }

    @Test
    void firstGradientOnlyLeavesTheOthersNull() {
        INDArray x = random(3, 4, 6);
        LossAndGradients r = MSE.forwardAndFirstGradient(Reduction.SUM, Nd4j.scalar(1f), x, random(4, 4, 6));
        assertNotNull(r.gradients()[0]);
        assertNull(r.gradients()[1]);
    }

    @Test
    void viewsAndOtherOrdersGiveTheSameBits() {
        INDArray x = random(6, 200, 300);
        INDArray t = random(7, 200, 300);
        INDArray plain = MSE.forward(Reduction.MEAN, x, t);
        assertEquals(plain, MSE.forward(Reduction.MEAN, x.dup('f'), t));
        INDArray big = random(8, 210, 310);
        big.get(NDArrayIndex.interval(5, 205), NDArrayIndex.interval(3, 303)).assign(x);
        INDArray view = big.get(NDArrayIndex.interval(5, 205), NDArrayIndex.interval(3, 303));
        assertEquals(plain, MSE.forward(Reduction.MEAN, view, t));
        INDArray transposedView = x.transpose().dup().transpose();
        assertEquals(plain, MSE.forward(Reduction.MEAN, transposedView, t));
    }

    @Test
    void insideAWorkspaceTheResultsAreTheSame() {
        INDArray x = random(13, 70, 300);
        INDArray t = random(14, 70, 300);
        LossAndGradients outside = MSE.forwardBackward(Reduction.MEAN, Nd4j.scalar(1f), x, t);
        INDArray[] picked = {random(15, 70, 300)};
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder()
                .initialSize(0).policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP).build();
        for (int round = 0; round < 3; round++) {
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "PointwiseProgramTest")) {
                LossAndGradients inside = MSE.forwardBackward(Reduction.MEAN, Nd4j.scalar(1f), x, t);
                assertEquals(outside.loss().getDouble(0), inside.loss().getDouble(0));
                assertEquals(outside.gradients()[0], inside.gradients()[0].detach());
                INDArray rows = dev.lossforge.runtime.Softmax.logSoftmaxPick(picked[0], 1,
                        Nd4j.createFromArray(new long[70]), -100);
                assertEquals(dev.lossforge.runtime.IndexKernels.gather(dev.lossforge.runtime.Softmax.logSoftmax(picked[0], 1), 1,
                        Nd4j.createFromArray(new long[70]), -100).detach(), rows.detach());
            }
        }
    }

    @Test
    void notApplicableCasesReturnNull() {
        assertNull(MSE.forward(Reduction.MEAN, random(1, 3, 4).castTo(DataType.DOUBLE), random(2, 3, 4).castTo(DataType.DOUBLE)));
        assertNull(MSE.forward(Reduction.MEAN, random(1, 3, 4), random(2, 4)), "broadcasting is left to the general path");
        assertNull(MSE.forward(Reduction.MEAN, Nd4j.create(DataType.FLOAT, 0, 4), Nd4j.create(DataType.FLOAT, 0, 4)));
        assertNull(MSE.backward(Reduction.MEAN, random(1, 2), random(1, 3, 4), random(2, 3, 4)), "a gradOutput that is not a scalar");
    }

    @Test
    void chooseRunsTheBranchTakenAndNoGradientFollowsTheKernelsRules() {
        INDArray x = random(9, 5, 7);
        INDArray y = random(10, 5, 7);
        LossAndGradients on = CHOOSE.forwardBackward(Reduction.NONE, Nd4j.ones(DataType.FLOAT, 5, 7), x, y, true);
        assertEquals(x.mul(y), on.loss());
        assertEquals(y, on.gradients()[0]);
        assertEquals(x, on.gradients()[1]);
        LossAndGradients off = CHOOSE.forwardBackward(Reduction.NONE, Nd4j.ones(DataType.FLOAT, 5, 7), x, y, false);
        assertEquals(x, off.loss());
        assertEquals(Nd4j.ones(DataType.FLOAT, 5, 7), off.gradients()[0]);
        assertNull(off.gradients()[1], "no path gave y a gradient: null, the kernels' \"no gradient\"");
    }

    @Test
    void tensorOptionsMayBeSingleValues() {
        PointwiseProgram weighted = PointwiseProgram.builder("Weighted").inputs("x").options("w").seed("g")
                .step("value", MUL, "x", "w").step("gradX", MUL, "g", "w")
                .loss("value").gradient("x", "gradX").build();
        INDArray x = random(11, 3, 4);
        assertEquals(x.mul(3.0), weighted.forward(Reduction.NONE, x, Nd4j.scalar(3f)));
        assertEquals(x.mul(3.0), weighted.forward(Reduction.NONE, x, Nd4j.valueArrayOf(new long[] {1, 1}, 3f)));
        INDArray w = random(12, 3, 4);
        assertEquals(x.mul(w), weighted.forward(Reduction.NONE, x, w));
        assertNull(weighted.forward(Reduction.NONE, x, random(12, 4)), "a [C] weight broadcast over rows: the general path");
    }

    /**
     * Every op against its array-kernel twin, on ordinary and special values (NaN, infinities, zeros, extremes); an op
     * without a check here fails the test. (OpSpecialValuesTest checks both against PyTorch.)
     */
    @Test
    void everyOpMatchesKernels() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 0.5f, 1e-30f, -1e-30f,
                20f, 21f, -20f, 88f, -88f, 100f, -100f, 1e4f, -1e4f, 0.999f, 1e-7f, 2f, -2f};
        int n = 2000;
        float[] a = new float[n];
        float[] b = new float[n];
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < n; i++) {
            a[i] = i < special.length * special.length ? special[i % special.length] : (float) random.nextGaussian() * 5;
            b[i] = i < special.length * special.length ? special[i / special.length] : (float) random.nextGaussian() * 5;
        }
        float[] probabilities = new float[n];
        for (int i = 0; i < n; i++) {
            probabilities[i] = i < special.length ? Math.abs(special[i]) % 1f : random.nextFloat();
        }
        INDArray ax = Nd4j.createFromArray(a);
        INDArray bx = Nd4j.createFromArray(b);
        INDArray px = Nd4j.createFromArray(probabilities);
        check(ADD, Broadcasting.add(ax, bx), a, b);
        check(SUB, Broadcasting.sub(ax, bx), a, b);
        check(MUL, Broadcasting.mul(ax, bx), a, b);
        check(DIV, Broadcasting.div(ax, bx), a, b);
        check(NEG, Pointwise.neg(ax), a);
        check(EXP, Pointwise.exp(ax), a);
        check(LOG, Pointwise.log(ax), a);
        check(LOG1P, Pointwise.log1p(ax), a);
        check(XLOGY, Pointwise.xlogy(ax, bx), a, b);
        check(XLOGY, Pointwise.xlogy(px, px), probabilities, probabilities);
        check(EXPM1, Pointwise.expm1(ax), a);
        check(SQRT, Pointwise.sqrt(ax), a);
        check(SQUARE, Pointwise.square(ax), a);
        check(ABS, Pointwise.abs(ax), a);
        check(SIGMOID, Pointwise.sigmoid(ax), a);
        check(LOG_SIGMOID, Pointwise.logSigmoid(ax), a);
        check(SOFTPLUS, Pointwise.softplus(ax), a);
        check(GT, Pointwise.gt(ax, bx), a, b);
        check(GE, Pointwise.ge(ax, bx), a, b);
        check(LT, Pointwise.lt(ax, bx), a, b);
        check(LE, Pointwise.le(ax, bx), a, b);
        check(EQ, Pointwise.eq(ax, bx), a, b);
        check(NE, Pointwise.ne(ax, bx), a, b);
        check(RSUB_ONE, Broadcasting.rsub(1.0, ax), a);
        check(WHERE, Pointwise.where(ax, bx, ax), a, b, a);
        check(BINARY_CROSS_ENTROPY, TorchPrimitives.binaryCrossEntropy(px, bx), probabilities, b);
        check(BCE_GRAD_INPUT, TorchPrimitives.binaryCrossEntropyGradInput(px, bx), probabilities, b);
        check(BCE_GRAD_TARGET, TorchPrimitives.binaryCrossEntropyGradTarget(px, bx), probabilities, b);
        float[] beta = new float[n];
        java.util.Arrays.fill(beta, 1.5f);
        check(SMOOTH_L1, TorchPrimitives.smoothL1(ax, bx, 1.5), a, b, beta);
        check(SMOOTH_L1_GRAD_INPUT, TorchPrimitives.smoothL1GradInput(ax, bx, 1.5), a, b, beta);
        check(HUBER, TorchPrimitives.huber(ax, bx, 1.5), a, b, beta);
        check(HUBER_GRAD_INPUT, TorchPrimitives.huberGradInput(ax, bx, 1.5), a, b, beta);
        java.util.Arrays.fill(beta, 0f);
        check(SMOOTH_L1_GRAD_INPUT, TorchPrimitives.smoothL1GradInput(ax, bx, 0.0), a, b, beta);
        check(SIGN, Pointwise.sign(ax), a);
        check(RELU, Pointwise.relu(ax), a);
        check(CLAMP, Pointwise.clamp(ax, -1.0, 2.0), a, filled(n, -1f), filled(n, 2f));
        check(CLAMP_MIN, Pointwise.clampMin(ax, -1.0), a, filled(n, -1f));
        check(CLAMP_MAX, Pointwise.clampMax(ax, 2.0), a, filled(n, 2f));
        check(CLAMP_MIN_STRAIGHT_THROUGH, Pointwise.clampMinStraightThrough(ax, 1e-6), a, filled(n, 1e-6f));
        check(MAXIMUM, Broadcasting.maximum(ax, bx), a, b);
        check(MINIMUM, Broadcasting.minimum(ax, bx), a, b);
        for (float p : new float[] {2f, 0.5f, -0.5f, 3f, -1f, 0f, 1.5f}) {
            check(POW, Pointwise.pow(ax, p), a, filled(n, p));
        }
        assertEquals(java.util.EnumSet.allOf(PointwiseOp.class), checked, "every fused op is compared with its kernel");
    }

    private final java.util.Set<PointwiseOp> checked = java.util.EnumSet.noneOf(PointwiseOp.class);

    private static float[] filled(int n, float v) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    /** The op's block result against the kernel's: same NaN/infinity pattern, else within 2e-6 relative. */
    private void check(PointwiseOp op, INDArray expected, float[]... args) {
        checked.add(op);
        int n = args[0].length;
        float[] out = new float[n];
        op.apply(out, args[0], args.length > 1 ? args[1] : null, args.length > 2 ? args[2] : null, new float[n], n);
        float[] want = expected.castTo(DataType.FLOAT).data().asFloat();
        for (int i = 0; i < n; i++) {
            String what = op + "(" + args[0][i] + (args.length > 1 ? ", " + args[1][i] : "") + ")";
            if (Float.isNaN(want[i]) || Float.isInfinite(want[i])) {
                assertEquals(want[i], out[i], what);
            } else {
                assertEquals(want[i], out[i], 2e-6 * Math.max(1.0, Math.abs(want[i])), what);
            }
        }
    }

    @Test
    void scalarAndVectorMathAgree() {
        BlockMath scalar = new PortableBlockMath();
        BlockMath used = BlockMath.get();
        int n = 1500;
        float[] a = new float[n];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * 30);
        }
        a[0] = Float.NaN;
        a[1] = Float.POSITIVE_INFINITY;
        a[2] = Float.NEGATIVE_INFINITY;
        a[3] = -1f;
        float[] x = new float[n];
        float[] y = new float[n];
        for (String f : new String[] {"exp", "log", "log1p"}) {
            switch (f) {
                case "exp": scalar.exp(a, x, n); used.exp(a, y, n); break;
                case "log": scalar.log(a, x, n); used.log(a, y, n); break;
                default: scalar.log1p(a, x, n); used.log1p(a, y, n);
            }
            for (int i = 0; i < n; i++) {
                float ulp = Math.ulp(x[i]);
                assertTrue(Float.compare(x[i], y[i]) == 0 || Math.abs(x[i] - y[i]) <= 2 * ulp, f + "(" + a[i] + "): " + x[i] + " vs " + y[i]);
            }
        }
        assertEquals(scalar.sum(a, n), used.sum(a, n), "NaN sums");
        float[] logits = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
            g[i] = (float) random.nextGaussian();
        }
        assertEquals(scalar.sumExp(logits, 2f, n), used.sumExp(logits, 2f, n), 1e-5 * scalar.sumExp(logits, 2f, n));
        scalar.subtractExpScaled(g, logits, 1f, 2f, 0.3f, x, n);
        used.subtractExpScaled(g, logits, 1f, 2f, 0.3f, y, n);
        for (int i = 0; i < n; i++) {
            assertEquals(x[i], y[i], 1e-5 * Math.max(1, Math.abs(x[i])), "subtractExpScaled");
        }
        assertEquals(scalar.max(a, n), used.max(a, n), "max with a NaN");
        assertEquals(scalar.max(logits, n), used.max(logits, n));
        float[] finite = java.util.Arrays.copyOfRange(a, 4, n);
        assertEquals(scalar.sum(finite, n - 4), used.sum(finite, n - 4), 1e-4 * n);
        System.out.println("BlockMath: " + (BlockMath.vectorised() ? "Vector API" : "portable"));
    }
}
