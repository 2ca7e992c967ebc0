package dev.lossforge.runtime;

import dev.lossforge.runtime.fused.RowKernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log-softmax and softmax along a dim, their gradients, and the fused {@code gather(logSoftmax(t, dim), ...)}
 * (a cross entropy's picked log-probabilities), in PyTorch's arithmetic; rows along the last dim go through
 * {@link RowKernels} on the CPU.
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class Softmax {
    private Softmax() {
    }

    /**
     * {@code (x - max) - log(sum(exp(x - max)))}, in PyTorch's order: subtracting the max first keeps float32
     * exact for large logits (1e4 + log 2 would round).
     */
    public static INDArray logSoftmax(INDArray a, int dim) {
        int axis = Shapes.wrapDim(a.rank(), dim);
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        if (axis == a.rank() - 1) {
            INDArray fast = RowKernels.logSoftmax(a);
            if (fast != null) {
                return fast;
            }
        }
        // ND4J's own log_softmax op is wrong along dim 1 of rank-3 arrays (the golden tests show it): compose it.
        // The shift is the max itself, infinite or not, as PyTorch's kernel: a row with an infinity is all NaN.
        INDArray shifted = Broadcasting.sub(a, a.max(true, axis));
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, axis), false);
        return shifted.subi(logSum);
    }

    /**
     * The gradient through {@code logSoftmax(x, dim)}: {@code g - softmax(x) * sum(g, dim)}, from x, in one row pass
     * on the CPU (as PyTorch's {@code _log_softmax_backward_data}); null for no gradient.
     */
    public static INDArray logSoftmaxBackward(INDArray g, INDArray x, int dim) {
        if (g == null) {
            return null;
        }
        int axis = Shapes.wrapDim(x.rank(), dim);
        if (x.isEmpty()) {
            return HostArrays.empty(x.shape(), x.dataType());
        }
        if (axis == x.rank() - 1) {
            INDArray fast = RowKernels.logSoftmaxBackward(g, x);
            if (fast != null) {
                return fast;
            }
        }
        INDArray total = g.sum(true, axis);
        return g.sub(Transforms.exp(logSoftmax(x, dim), false).muli(Broadcasting.expand(total, x.shape())));
    }

    /**
     * {@code gather(logSoftmax(t, dim), dim, index, ignoreIndex)}: each picked log-probability, in PyTorch's
     * arithmetic ({@code (x - max) - log(sum(exp(x - max)))}); on the CPU one read of t and no log-softmax written.
     */
    public static INDArray logSoftmaxPick(INDArray t, int dim, INDArray index, long ignoreIndex) {
        int axis = Shapes.wrapDim(t.rank(), dim);
        if (axis == t.rank() - 1 && t.rank() == index.rank() + 1) {
            long[] idx = IndexKernels.indexValues(index, t.size(axis), ignoreIndex);
            INDArray fast = RowKernels.logSoftmaxPick(t, idx, ignoreIndex);
            if (fast != null) {
                return fast.rank() == index.rank() ? fast : fast.reshape(index.shape());
            }
        }
        return IndexKernels.gather(logSoftmax(t, dim), dim, index, ignoreIndex);
    }

    /**
     * The gradient of {@link #logSoftmaxPick}: {@code g (onehot(index) - softmax(t))} along dim, 0 where ignored.
     * It needs no value of the forward pass, so a call that wants only the gradient runs no forward pass.
     */
    public static INDArray logSoftmaxPickBackward(INDArray g, INDArray t, int dim, INDArray index, long ignoreIndex) {
        if (g == null) {
            return null;
        }
        int axis = Shapes.wrapDim(t.rank(), dim);
        if (axis == t.rank() - 1 && t.rank() == index.rank() + 1 && !t.isEmpty()) {
            long[] idx = IndexKernels.indexValues(index, t.size(axis), ignoreIndex);
            INDArray fast = RowKernels.logSoftmaxPickBackward(g, t, idx, ignoreIndex);
            if (fast != null) {
                return fast;
            }
        }
        return logSoftmaxBackward(IndexKernels.gatherBackward(g, t.shape(), dim, index, ignoreIndex), t, dim);
    }

    public static INDArray softmax(INDArray a, int dim) {
        return Transforms.exp(logSoftmax(a, dim), false);
    }
}
