package dev.lossforge.runtime;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Losses that PyTorch computes as primitives, each with PyTorch's own derivative rule rather than the derivative
 * of a composition: binary cross entropy (its log clamp at -100), smooth L1, Huber, CTC, multilabel margin, and
 * GaussianNLLLoss's variance alignment.
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class TorchPrimitives {
    private TorchPrimitives() {
    }

    /**
     * GaussianNLLLoss's variance, aligned with the input as PyTorch aligns it: a var lacking the input's last
     * dim gets a size-1 dim there; any other var must broadcast to the input ("var is of incorrect size").
     */
    public static INDArray alignVariance(INDArray var, INDArray input) {
        long[] in = input.shape();
        boolean lacksLast = var.rank() == in.length - 1 && Arrays.equals(var.shape(), Arrays.copyOf(in, in.length - 1))
                || in.length == 0 && var.rank() == 0;
        INDArray aligned = lacksLast && in.length > 0 ? Shapes.unsqueeze(var, var.rank()) : var;
        boolean ok = Arrays.equals(aligned.shape(), in) || lacksLast
                || aligned.rank() == in.length && in.length > 0 && aligned.size(in.length - 1) == 1
                        && Arrays.equals(Arrays.copyOf(aligned.shape(), in.length - 1), Arrays.copyOf(in, in.length - 1));
        if (!ok) {
            throw new IllegalArgumentException("var has shape " + ShapeBinder.format(var.shape()) + " but must have the input's shape "
                    + ShapeBinder.format(in) + ", that shape without its last dim, or that shape with a last dim of 1");
        }
        return Broadcasting.expand(aligned, in); // the input's shape, as the op's shape rule says
    }

    /** The gradient of {@link #alignVariance}: summed back to var's own shape. */
    public static INDArray alignVarianceBackward(INDArray g, INDArray var) {
        if (g == null) {
            return null;
        }
        boolean lackedLastDim = var.rank() == g.rank() - 1;
        return lackedLastDim ? Broadcasting.sumTo(g, Shapes.unsqueeze(var, var.rank()).shape()).reshape(var.shape()) : Broadcasting.sumTo(g, var.shape());
    }

    /**
     * PyTorch's binary cross entropy: {@code (t - 1) * max(log(1 - x), -100) - t * max(log x, -100)}, in PyTorch's
     * order, with ND4J's native ops on private temporaries.
     */
    public static INDArray binaryCrossEntropy(INDArray x, INDArray t) {
        INDArray[] xt = Broadcasting.broadcast(x, t);
        if (xt[0].isEmpty()) {
            return HostArrays.empty(xt[0].shape(), x.dataType());
        }
        INDArray logX = Transforms.max(Transforms.log(xt[0], true), -100.0, false);
        INDArray log1mX = Transforms.max(Transforms.log1p(xt[0].neg(), false), -100.0, false);
        return xt[1].sub(1.0).muli(log1mX).subi(logX.muli(xt[1]));
    }

    /** d bce / dx, as PyTorch: {@code (x - t) / max((1 - x) * x, EPSILON)}. */
    public static INDArray binaryCrossEntropyGradInput(INDArray x, INDArray t) {
        INDArray[] xt = Broadcasting.broadcast(x, t);
        if (xt[0].isEmpty()) {
            return HostArrays.empty(xt[0].shape(), x.dataType());
        }
        INDArray floor = Transforms.max(xt[0].rsub(1.0).muli(xt[0]), BCE_EPSILON, false);
        return xt[0].sub(xt[1]).divi(floor);
    }

    /** d bce / dt, as PyTorch: {@code log(1-x) - log(x)}, unclamped (infinite at x = 0 or 1). */
    public static INDArray binaryCrossEntropyGradTarget(INDArray x, INDArray t) {
        INDArray[] xt = Broadcasting.broadcast(x, t);
        if (xt[0].isEmpty()) {
            return HostArrays.empty(xt[0].shape(), x.dataType());
        }
        return Transforms.log1p(xt[0].neg(), false).subi(Transforms.log(xt[0], true));
    }

    /**
     * PyTorch's smooth L1: {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - 0.5 beta}, with
     * {@code d = x - t}; beta = 0 is L1.
     */
    public static INDArray smoothL1(INDArray x, INDArray t, double beta) {
        return elementwise(x, t, (xi, ti) -> {
            double z = Math.abs(xi - ti);
            return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
        });
    }

    /**
     * d smoothL1 / dx, PyTorch's smooth_l1_loss_backward: -1 where {@code d <= -beta}, 1 where {@code d >= beta},
     * else {@code d / beta} (so -1 at a tie when beta is 0, and NaN for NaN). d/dt is its negation.
     */
    public static INDArray smoothL1GradInput(INDArray x, INDArray t, double beta) {
        return elementwise(x, t, (xi, ti) -> {
            double d = xi - ti;
            return d <= -beta ? -1.0 : d >= beta ? 1.0 : d / beta;
        });
    }

    /** PyTorch's Huber loss: {@code 0.5 d^2} where {@code |d| < delta}, else {@code delta (|d| - 0.5 delta)}. */
    public static INDArray huber(INDArray x, INDArray t, double delta) {
        return elementwise(x, t, (xi, ti) -> {
            double z = Math.abs(xi - ti);
            return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
        });
    }

    /** d huber / dx, PyTorch's huber_loss_backward: {@code -delta} below {@code -delta}, {@code delta} above, else d. */
    public static INDArray huberGradInput(INDArray x, INDArray t, double delta) {
        return elementwise(x, t, (xi, ti) -> {
            double d = xi - ti;
            return d < -delta ? -delta : d > delta ? delta : d;
        });
    }

    /**
     * CTC's per-sample negative log likelihood ({@link Ctc#forward}); with {@code zeroInfinity}, an infinite
     * loss (a target that cannot be aligned) is 0, as PyTorch's {@code zero_infinity}.
     */
    public static INDArray ctc(INDArray logProbs, INDArray targets, INDArray inputLengths, INDArray targetLengths,
            long blank, boolean zeroInfinity) {
        INDArray nll = Ctc.forward(logProbs, targets, inputLengths, targetLengths, blank);
        if (!zeroInfinity) {
            return nll;
        }
        return Pointwise.selectByMask(Transforms.abs(nll, true).eq(Double.POSITIVE_INFINITY), Nd4j.zerosLike(nll), nll);
    }

    /** The gradient of {@link #ctc} with respect to the log probabilities ({@link Ctc#backward}). */
    public static INDArray ctcBackward(INDArray g, INDArray logProbs, INDArray targets, INDArray inputLengths,
            INDArray targetLengths, long blank, boolean zeroInfinity) {
        if (g == null) {
            return null;
        }
        return Ctc.backward(g, logProbs, targets, inputLengths, targetLengths, blank, zeroInfinity);
    }

    /** MultiLabelMarginLoss's per-sample loss ({@link MultiLabelMargin#forward}). */
    public static INDArray multiLabelMargin(INDArray input, INDArray target) {
        return MultiLabelMargin.forward(input, target);
    }

    /** The gradient of {@link #multiLabelMargin} ({@link MultiLabelMargin#backward}). */
    public static INDArray multiLabelMarginBackward(INDArray g, INDArray input, INDArray target) {
        if (g == null) {
            return null;
        }
        return MultiLabelMargin.backward(g, input, target);
    }

    /** PyTorch's floor for x(1-x) in BCE's gradient: the float 1e-12f, not the double 1e-12. */
    private static final double BCE_EPSILON = 1e-12f;

    private interface DoubleBinary {
        double apply(double x, double y);
    }

    /**
     * f over two broadcast arrays, computed in double and returned in x's dtype. FLOAT arrays are read and
     * written as {@code float[]}: half the copying, and no DOUBLE array to cast back.
     */
    private static INDArray elementwise(INDArray x, INDArray y, DoubleBinary f) {
        INDArray[] xy = Broadcasting.broadcast(x, y);
        HostArrays.requireJavaArraySize(xy[0]);
        long[] shape = xy[0].shape();
        if (xy[0].isEmpty()) {
            return HostArrays.empty(shape, x.dataType());
        }
        if (xy[0].dataType() == DataType.FLOAT) {
            float[] a = HostArrays.floats(xy[0]);
            float[] b = HostArrays.floats(xy[1]);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) f.apply(a[i], b[i]);
            }
            return Nd4j.createFromArray(a).reshape('c', shape);
        }
        double[] a = HostArrays.doubles(xy[0]);
        double[] b = HostArrays.doubles(xy[1]);
        for (int i = 0; i < a.length; i++) {
            a[i] = f.apply(a[i], b[i]);
        }
        return HostArrays.fromDoubles(a, shape, x.dataType());
    }
}
