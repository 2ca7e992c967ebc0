package dev.lossforge.runtime;

import dev.lossforge.Reduction;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reductions, in two kinds: the loss's own {@link Reduction} ({@link #reduce}, and {@link #seed}, the gradient of
 * the reduced value with respect to the unreduced loss that starts every generated backward pass), and the DSL's
 * reduction ops over dims ({@code sum}, {@code mean}, {@code amax}, {@code logsumexp}, {@code norm}) with their
 * gradients. MEAN over zero elements is NaN, as in PyTorch; a weighted MEAN divides by the sum of the weights; an
 * empty input reduces as PyTorch reduces it.
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class Reductions {
    private Reductions() {
    }

    /**
     * @param meanWeights what MEAN divides by the sum of (broadcast to the loss), or null for the element count
     * @param firstInput the first input, whose dim 0 is the batch size for BATCHMEAN
     */
    public static INDArray reduce(Reduction reduction, INDArray loss, INDArray meanWeights, INDArray firstInput) {
        switch (reduction) {
            case NONE:
                return loss;
            case SUM:
                return sum(loss);
            default:
                double total = loss.isEmpty() ? 0.0 : loss.sumNumber().doubleValue();
                return Nd4j.scalar(loss.dataType(), total / denominator(reduction, loss, meanWeights, firstInput));
        }
    }

    /** d reduce(loss) / d loss, times {@code gradOutput}, in the loss's shape. */
    public static INDArray seed(String lossName, Reduction reduction, INDArray gradOutput, INDArray loss, INDArray meanWeights,
            INDArray firstInput) {
        if (gradOutput == null) {
            throw new IllegalArgumentException(lossName + ": gradOutput is null; pass a scalar 1 for d loss / d inputs");
        }
        INDArray g = gradOutput.dataType() == loss.dataType() ? gradOutput : gradOutput.castTo(loss.dataType());
        if (reduction == Reduction.NONE) {
            if (g.length() == loss.length() && loss.rank() == g.rank() + 1 && loss.size(0) == 1) {
                g = g.reshape(loss.shape()); // an unbatched call: the loss was computed as a batch of one
            }
            if (!Arrays.equals(g.shape(), loss.shape())) {
                throw new IllegalArgumentException(lossName + ": gradOutput has shape " + ShapeBinder.format(g.shape())
                        + " but the unreduced loss (reduction NONE) has shape " + ShapeBinder.format(loss.shape()));
            }
            return g;
        }
        if (g.length() != 1) {
            throw new IllegalArgumentException(lossName + ": gradOutput has shape " + ShapeBinder.format(g.shape())
                    + " but the loss is reduced (" + reduction + ") to a scalar; pass a scalar");
        }
        double scale = g.getDouble(0);
        if (reduction != Reduction.SUM) {
            scale /= denominator(reduction, loss, meanWeights, firstInput);
        }
        return Nd4j.valueArrayOf(loss.shape(), scale, loss.dataType());
    }

    private static double denominator(Reduction reduction, INDArray loss, INDArray meanWeights, INDArray firstInput) {
        if (reduction == Reduction.BATCHMEAN) {
            return firstInput.rank() == 0 ? 1 : firstInput.size(0);
        }
        if (meanWeights == null) {
            return loss.length();
        }
        INDArray w = Broadcasting.expand(meanWeights, loss.shape());
        return w.isEmpty() ? 0.0 : w.sumNumber().doubleValue();
    }

    // ---------------------------------------------------------------- reduction ops of the DSL and their gradients

    /** Sum over {@code dims} (all dims when none are given), dropping them, as {@code torch.sum(t, dims)}. */
    public static INDArray sum(INDArray a, int... dims) {
        if (a == null) {
            return null;
        }
        if (dims.length == 0) {
            return Nd4j.scalar(a.dataType(), a.isEmpty() ? 0.0 : a.sumNumber().doubleValue());
        }
        if (a.isEmpty()) {
            return emptyReduction(a, Shapes.wrapDims(a.rank(), dims), 0.0);
        }
        return a.sum(Shapes.wrapDims(a.rank(), dims));
    }

    /** Mean over {@code dims} (all dims when none are given). An empty input gives NaN, as in PyTorch. */
    public static INDArray mean(INDArray a, int... dims) {
        if (dims.length == 0) {
            return Nd4j.scalar(a.dataType(), a.isEmpty() ? Double.NaN : a.sumNumber().doubleValue() / a.length());
        }
        int[] axes = Shapes.wrapDims(a.rank(), dims);
        if (a.isEmpty()) {
            return emptyReduction(a, axes, Double.NaN);
        }
        long count = 1;
        for (int d : axes) {
            count *= a.size(d);
        }
        return a.sum(axes).divi(count);
    }

    /** The largest value along {@code dim}, that dim dropped; NaN where the values along it hold a NaN, as PyTorch's amax. */
    public static INDArray amax(INDArray a, int dim) {
        int axis = Shapes.wrapDim(a.rank(), dim);
        if (a.isEmpty()) {
            return emptyReduction(a, new int[] {axis}, Double.NEGATIVE_INFINITY);
        }
        INDArray max = a.max(false, axis);
        INDArray holdsNaN = a.neq(a).castTo(a.dataType()).max(false, axis).gt(0.0);
        return Pointwise.selectByMask(holdsNaN, Nd4j.valueArrayOf(max.shape(), Double.NaN, max.dataType()), max);
    }

    /** {@code log(sum(exp(a), dim))}, stabilised by the max as PyTorch does (an infinite max counts as 0). */
    public static INDArray logsumexp(INDArray a, int dim) {
        int axis = Shapes.wrapDim(a.rank(), dim);
        if (a.isEmpty()) {
            return emptyReduction(a, new int[] {axis}, Double.NEGATIVE_INFINITY);
        }
        INDArray max = a.max(true, axis);
        INDArray finiteMax = Pointwise.selectByMask(Transforms.abs(max, true).eq(Double.POSITIVE_INFINITY), Nd4j.zerosLike(max), max);
        INDArray shifted = Broadcasting.sub(a, finiteMax);
        INDArray summed = Transforms.exp(shifted, false).sum(true, axis);
        return Transforms.log(summed, false).addi(finiteMax).reshape(Shapes.dropDim(a.shape(), axis));
    }

    /**
     * Re-inserts reduced dims as size 1 (all dims when none are given), so that a reduction's result (or its
     * gradient) broadcasts against the reduction's input of shape {@code originalShape}.
     */
    public static INDArray restoreReducedDims(INDArray a, long[] originalShape, int... dims) {
        if (a == null) {
            return null;
        }
        long[] kept = originalShape.clone();
        if (dims.length == 0) {
            Arrays.fill(kept, 1);
        }
        for (int d : dims) {
            kept[Shapes.wrapDim(originalShape.length, d)] = 1;
        }
        // ND4J cannot reshape an empty array
        return a.isEmpty() ? Nd4j.create(a.dataType(), kept) : a.reshape(kept);
    }

    /** The gradient of {@link #sum}: g copied to every element it summed. */
    public static INDArray sumBackward(INDArray g, long[] originalShape, int... dims) {
        return Broadcasting.expand(restoreReducedDims(g, originalShape, dims), originalShape);
    }

    /** The gradient of {@link #mean}: g spread evenly over the reduced elements. */
    public static INDArray meanBackward(INDArray g, long[] originalShape, int... dims) {
        if (g == null) {
            return null;
        }
        long count = 1;
        if (dims.length == 0) {
            for (long s : originalShape) {
                count *= s;
            }
        }
        for (int d : dims) {
            count *= originalShape[Shapes.wrapDim(originalShape.length, d)];
        }
        INDArray spread = Broadcasting.expand(restoreReducedDims(g, originalShape, dims), originalShape);
        return spread.isEmpty() ? spread : spread.div(count);
    }

    /** The p-norm over {@code dim}, dropping it: {@code (sum |t|^p)^(1/p)}, as {@code torch.norm(t, p, dim)}. */
    public static INDArray norm(INDArray t, double p, int dim) {
        int axis = Shapes.wrapDim(t.rank(), dim);
        if (t.isEmpty()) {
            return emptyReduction(t, new int[] {axis}, 0.0);
        }
        if (p == 2.0) {
            return Transforms.sqrt(t.mul(t).sum(axis), false);
        }
        if (p == 1.0) {
            return Transforms.abs(t, true).sum(axis);
        }
        return Transforms.pow(Transforms.pow(Transforms.abs(t, true), p, false).sum(axis), 1.0 / p, false);
    }

    /**
     * The gradient of {@link #norm}, as PyTorch's norm_backward: {@code g * sign(t) |t|^(p-1) / norm^(p-1)},
     * and 0 where the norm is 0.
     */
    public static INDArray normBackward(INDArray g, INDArray t, INDArray norm, double p, int dim) {
        if (g == null) {
            return null;
        }
        int axis = Shapes.wrapDim(t.rank(), dim);
        if (t.isEmpty()) {
            return HostArrays.empty(t.shape(), t.dataType());
        }
        INDArray gKeep = Broadcasting.expand(g.reshape(Shapes.keepDim(t.shape(), axis)), t.shape());
        INDArray nKeep = Broadcasting.expand(norm.reshape(Shapes.keepDim(t.shape(), axis)), t.shape());
        INDArray scale;
        if (p == 1.0) {
            scale = Transforms.sign(t, true);
        } else if (p == 2.0) {
            scale = t.div(nKeep);
        } else {
            scale = Transforms.sign(t, true).muli(Transforms.pow(Transforms.abs(t, true), p - 1, false))
                    .divi(Transforms.pow(nKeep, p - 1, true));
        }
        INDArray grad = gKeep.mul(scale);
        return Pointwise.selectByMask(nKeep.eq(0.0), Nd4j.zerosLike(grad), grad);
    }

    /**
     * A reduction of an empty array, as PyTorch gives it: empty if a kept dim is 0, otherwise (a reduced dim is
     * 0) filled with the reduction of nothing: 0 for a sum, NaN for a mean, -inf for a log-sum-exp.
     */
    private static INDArray emptyReduction(INDArray a, int[] axes, double ofNothing) {
        long[] kept = a.shape().clone(); // shape() may be the array's own
        for (int axis : axes) {
            kept[axis] = -1;
        }
        long[] shape = Arrays.stream(kept).filter(size -> size >= 0).toArray();
        boolean emptyResult = Arrays.stream(shape).anyMatch(size -> size == 0);
        return emptyResult ? Nd4j.create(a.dataType(), shape) : Nd4j.valueArrayOf(shape, ofNothing, a.dataType());
    }
}
