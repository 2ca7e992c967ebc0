package dev.lossforge.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a generated loss does to arrays on the way in and out: inputs cast to the compute dtype, an unbatched
 * call given a batch dim of one (and its result losing it), gradients and loss values returned in their
 * input's shape and dtype.
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class Conversions {
    private Conversions() {
    }

    /** {@code a} in the compute dtype: the same array when it already is (it is never written to). */
    public static INDArray cast(INDArray a, DataType type) {
        return a == null || a.dataType() == type ? a : a.castTo(type);
    }

    /**
     * A gradient in the shape and dtype of the input it belongs to: an unbatched input gets its batch dim of one
     * dropped, and HALF and BFLOAT16 inputs get gradients of their own dtype.
     */
    public static INDArray gradientLike(INDArray gradient, INDArray input) {
        if (gradient == null) {
            return null;
        }
        gradient = Options.unshared(gradient);
        INDArray shaped = java.util.Arrays.equals(gradient.shape(), input.shape()) ? gradient : gradient.reshape(input.shape());
        return shaped.dataType() == input.dataType() || !input.dataType().isFPType() ? shaped : shaped.castTo(input.dataType());
    }

    /** A loss value in the dtype of the first input when that is HALF or BFLOAT16 (computed in FLOAT). */
    public static INDArray resultLike(INDArray value, INDArray firstInput) {
        value = Options.unshared(value);
        DataType type = firstInput.dataType();
        return (type == DataType.HALF || type == DataType.BFLOAT16) && value.dataType() != type ? value.castTo(type) : value;
    }

    /**
     * Whether a call is unbatched: its first input has one dim fewer than {@code batchedRank}, the least rank
     * its declared shape allows.
     */
    public static boolean unbatched(INDArray first, int batchedRank) {
        return first != null && first.rank() == batchedRank - 1;
    }

    /** The inputs with a leading batch dim of one added to those that declare one ({@code batched[i]}). */
    public static INDArray[] addBatchDim(INDArray[] inputs, boolean[] batched) {
        INDArray[] out = inputs.clone();
        for (int i = 0; i < out.length && i < batched.length; i++) {
            if (batched[i] && out[i] != null) {
                long[] shape = new long[out[i].rank() + 1];
                shape[0] = 1;
                System.arraycopy(out[i].shape(), 0, shape, 1, out[i].rank());
                out[i] = out[i].reshape(shape);
            }
        }
        return out;
    }

    /** An unbatched call's result: the unreduced loss loses its batch dim of one; a reduced one is unchanged. */
    public static INDArray dropBatchDim(INDArray value, dev.lossforge.Reduction reduction) {
        if (reduction != dev.lossforge.Reduction.NONE || value.rank() == 0) {
            return value;
        }
        return value.reshape(java.util.Arrays.copyOfRange(value.shape(), 1, value.rank()));
    }
}
