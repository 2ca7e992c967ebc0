package dev.lossforge.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shapes and dims: negative dims counted from the end ({@link #wrapDim}), a dim dropped or kept as 1, shapes
 * joined, and PyTorch's {@code unsqueeze} with its gradient.
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class Shapes {
    private Shapes() {
    }

    /** {@code t} with a size-1 dim inserted at {@code dim} (PyTorch's unsqueeze). */
    public static INDArray unsqueeze(INDArray t, int dim) {
        int axis = dim < 0 ? dim + t.rank() + 1 : dim;
        long[] shape = new long[t.rank() + 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            shape[i] = i == axis ? 1 : t.size(j++);
        }
        return t.reshape(shape);
    }

    /** The inverse of {@link #unsqueeze(INDArray, int)}: drops the size-1 dim at {@code dim} of a rank+1 array. */
    public static INDArray squeeze(INDArray g, int dim, int originalRank) {
        if (g == null) {
            return null;
        }
        int axis = dim < 0 ? dim + originalRank + 1 : dim;
        return g.reshape(dropDim(g.shape(), axis));
    }

    /** {@code shape} without {@code axis}. */
    public static long[] dropDim(long[] shape, int axis) {
        long[] out = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** {@code shape} with {@code axis} kept as size 1, as a reduction with keepdim gives it. */
    public static long[] keepDim(long[] shape, int axis) {
        long[] out = shape.clone();
        out[axis] = 1;
        return out;
    }

    /**
     * The axis in {@code [0, rank)} that {@code dim} names, a negative dim counting from the end (PyTorch's
     * maybe_wrap_dim); an {@link IllegalArgumentException} when there is none.
     */
    public static int wrapDim(int rank, int dim) {
        int axis = dim < 0 ? dim + rank : dim;
        if (axis < 0 || axis >= rank) {
            throw new IllegalArgumentException("dim " + dim + " is out of range for rank " + rank);
        }
        return axis;
    }

    /** {@link #wrapDim} of each dim. */
    static int[] wrapDims(int rank, int[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = wrapDim(rank, dims[i]);
        }
        return out;
    }

    /** Shapes joined: the shape of an unset tensor option from its declared dims. */
    public static long[] concat(long[]... parts) {
        int length = 0;
        for (long[] p : parts) {
            length += p.length;
        }
        long[] out = new long[length];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
