package dev.lossforge.runtime;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kernels that index: {@code gather} and {@code take} by class indices (with an ignored index), {@code select}
 * of one slice, their gradients, and the weights and masks built from indices. Index values are validated as
 * integers in range ({@link #indexValues}).
 *
 * <p>Support code for generated losses (see the package documentation).
 */
public final class IndexKernels {
    private IndexKernels() {
    }

    /**
     * {@code t} scaled by the 1-D {@code weights} along {@code dim}: {@code t[n, c, ...] * weights[c]} for dim 1,
     * where plain broadcasting would align the weights with the last dim. A scalar weight scales everything.
     */
    public static INDArray scaleAlong(INDArray t, int dim, INDArray weights) {
        if (t == null) {
            return null;
        }
        if (weights.rank() == 0) {
            return Broadcasting.mul(t, weights);
        }
        int axis = Shapes.wrapDim(t.rank(), dim);
        long[] shape = new long[t.rank()];
        Arrays.fill(shape, 1);
        shape[axis] = weights.length();
        return Broadcasting.mul(t, weights.reshape(shape));
    }

    /** 1 where {@code index} picks the entry along {@code dim} of a tensor shaped like {@code like}, else 0. */
    public static INDArray pickMask(INDArray like, int dim, INDArray index) {
        return gatherBackward(Nd4j.onesLike(index).castTo(like.dataType()), like.shape(), dim, index, Long.MIN_VALUE);
    }

    /**
     * Picks, for every position of {@code index}, the entry of {@code t} along {@code dim}:
     * {@code out[n,d..] = t[n, index[n,d..], d..]} for dim 1. {@code index} has t's shape without dim.
     * Positions whose index equals {@code ignoreIndex} give 0.
     */
    public static INDArray gather(INDArray t, int dim, INDArray index, long ignoreIndex) {
        int axis = Shapes.wrapDim(t.rank(), dim);
        long classes = t.size(axis);
        if (t.rank() == 2 && axis == 1 && !t.isEmpty()) {
            // (N,C) along C: read the N picked entries in place instead of copying the matrix
            long[] idx = indexValues(index, classes, ignoreIndex);
            double[] out = new double[idx.length];
            for (int n = 0; n < idx.length; n++) {
                out[n] = idx[n] == ignoreIndex ? 0.0 : t.getDouble(n, idx[n]);
            }
            return HostArrays.fromDoubles(out, index.shape(), t.dataType());
        }
        double[] rows = moveAxisLast(t, axis);
        long[] idx = indexValues(index, classes, ignoreIndex);
        double[] out = new double[idx.length];
        for (int m = 0; m < idx.length; m++) {
            out[m] = idx[m] == ignoreIndex ? 0.0 : rows[(int) (m * classes + idx[m])];
        }
        return HostArrays.fromDoubles(out, Shapes.dropDim(t.shape(), axis), t.dataType());
    }

    public static INDArray gather(INDArray t, int dim, INDArray index) {
        return gather(t, dim, index, Long.MIN_VALUE);
    }

    /**
     * {@code t[.., index, ..]} along {@code dim}, that dim dropped: a new array, as PyTorch's {@code select}; a
     * negative index counts from the end.
     */
    public static INDArray select(INDArray t, int dim, long index) {
        int axis = Shapes.wrapDim(t.rank(), dim);
        long at = sliceIndex(t.size(axis), dim, index);
        if (t.isEmpty()) {
            return Nd4j.create(t.dataType(), Shapes.dropDim(t.shape(), axis));
        }
        return t.get(slice(t.rank(), axis, at)).dup('c').reshape(Shapes.dropDim(t.shape(), axis));
    }

    /** The gradient of {@link #select}: {@code g} written into slice {@code index} of zeros of {@code shape}. */
    public static INDArray selectBackward(INDArray g, long[] shape, int dim, long index) {
        if (g == null) {
            return null;
        }
        int axis = Shapes.wrapDim(shape.length, dim);
        long at = sliceIndex(shape[axis], dim, index);
        INDArray out = Nd4j.zeros(g.dataType(), shape);
        if (!out.isEmpty()) {
            out.get(slice(shape.length, axis, at)).assign(g.reshape(Shapes.keepDim(shape, axis)));
        }
        return out;
    }

    private static long sliceIndex(long size, int dim, long index) {
        long at = index < 0 ? index + size : index;
        if (at < 0 || at >= size) {
            throw new IllegalArgumentException("index " + index + " is out of range for dim " + dim + " of size " + size);
        }
        return at;
    }

    /** Indices of slice {@code index} along {@code axis}, its dim kept as size 1. */
    private static org.nd4j.linalg.indexing.INDArrayIndex[] slice(int rank, int axis, long index) {
        org.nd4j.linalg.indexing.INDArrayIndex[] at = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        for (int d = 0; d < rank; d++) {
            at[d] = d == axis ? org.nd4j.linalg.indexing.NDArrayIndex.interval(index, index + 1)
                    : org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return at;
    }

    /** The gradient of {@link #gather}: {@code g} scattered into zeros of {@code shape} along {@code dim}. */
    public static INDArray gatherBackward(INDArray g, long[] shape, int dim, INDArray index, long ignoreIndex) {
        if (g == null) {
            return null;
        }
        int axis = Shapes.wrapDim(shape.length, dim);
        long classes = shape[axis];
        if (index.isEmpty() || classes == 0) {
            return Nd4j.create(g.dataType(), shape); // ND4J cannot permute an empty array
        }
        if (shape.length == 2 && axis == 1) {
            // (N,C) along C: write the N picked entries into zeros
            long[] idx = indexValues(index, classes, ignoreIndex);
            INDArray out = Nd4j.zeros(g.dataType(), shape);
            double[] values = HostArrays.doubles(g);
            // a fresh c-order array: entry (n, k) is element n * C + k of its buffer
            org.nd4j.linalg.api.buffer.DataBuffer buffer = out.data();
            for (int n = 0; n < idx.length; n++) {
                if (idx[n] != ignoreIndex) {
                    buffer.put(n * classes + idx[n], values[n]);
                }
            }
            return out;
        }
        long[] idx = indexValues(index, classes, ignoreIndex);
        double[] grads = HostArrays.doubles(g);
        double[] out = new double[Math.toIntExact(idx.length * classes)];
        for (int m = 0; m < idx.length; m++) {
            if (idx[m] != ignoreIndex) {
                out[(int) (m * classes + idx[m])] += grads[m];
            }
        }
        long[] permutedShape = new long[shape.length];
        int[] order = moveLastOrder(shape.length, axis);
        for (int i = 0; i < shape.length; i++) {
            permutedShape[i] = shape[order[i]];
        }
        INDArray permuted = HostArrays.fromDoubles(out, permutedShape, g.dataType());
        return permuted.permute(inverse(order)).dup('c');
    }

    /** {@code weights[index]} elementwise, 0 where the index equals {@code ignoreIndex}; a scalar weight fills. */
    public static INDArray take(INDArray weights, INDArray index, long ignoreIndex) {
        if (weights.rank() == 0 || weights.length() > 0 && Options.isFilled(weights)) {
            // one weight for every class (a number, or an unset weight option): w, or 0 where the index is ignored
            if (weights.rank() > 0) {
                indexValues(index, weights.length(), ignoreIndex); // validates them, as for any weights
            }
            double w = weights.getDouble(0);
            double[] raw = HostArrays.doubles(index);
            if (raw.length > 0 && Arrays.stream(raw).noneMatch(v -> v == ignoreIndex)) {
                // none ignored: the shared filled array, no new ND4J array (each costs ~4 us at [32,10]: NLLLoss's step)
                return Options.filled(index.shape(), w, weights.dataType());
            }
            double[] out = new double[raw.length];
            for (int m = 0; m < raw.length; m++) {
                out[m] = raw[m] == ignoreIndex ? 0.0 : w;
            }
            return HostArrays.fromDoubles(out, index.shape(), weights.dataType());
        }
        long classes = weights.length();
        long[] idx = indexValues(index, classes, ignoreIndex);
        double[] w = HostArrays.doubles(weights);
        double[] out = new double[idx.length];
        for (int m = 0; m < idx.length; m++) {
            out[m] = idx[m] == ignoreIndex ? 0.0 : w[(int) idx[m]];
        }
        return HostArrays.fromDoubles(out, index.shape(), weights.dataType());
    }

    public static INDArray take(INDArray weights, INDArray index) {
        return take(weights, index, Long.MIN_VALUE);
    }

    /** The values of an index tensor as longs, validated: integral and in {@code [0, classes)} or {@code ignoreIndex}. */
    static long[] indexValues(INDArray index, long classes, long ignoreIndex) {
        HostArrays.requireJavaArraySize(index);
        double[] raw = HostArrays.doubles(index);
        long[] out = new long[raw.length];
        for (int i = 0; i < raw.length; i++) {
            double v = raw[i];
            if (Double.isNaN(v) || v != Math.rint(v)) {
                throw new IllegalArgumentException("class index " + v + " is not an integer");
            }
            long k = (long) v;
            if (k != ignoreIndex && !inRange(k, classes)) {
                throw new IllegalArgumentException("class index " + k + " is out of range [0, " + classes + ")");
            }
            out[i] = k;
        }
        return out;
    }

    private static boolean inRange(long k, long classes) {
        return k >= 0 && k < classes;
    }

    /** Class indices or lengths as values (DOUBLE; arithmetic casts them to the other operand's dtype). */
    public static INDArray asValues(INDArray index) {
        return index.castTo(DataType.DOUBLE);
    }

    /** t's values, c-ordered, with {@code axis} moved last: row m holds the entries along axis. */
    private static double[] moveAxisLast(INDArray t, int axis) {
        HostArrays.requireJavaArraySize(t);
        INDArray moved = axis == t.rank() - 1 ? t : t.permute(moveLastOrder(t.rank(), axis));
        return HostArrays.doubles(moved);
    }

    private static int[] moveLastOrder(int rank, int axis) {
        int[] order = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != axis) {
                order[j++] = i;
            }
        }
        order[rank - 1] = axis;
        return order;
    }

    private static int[] inverse(int[] order) {
        int[] inv = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            inv[order[i]] = i;
        }
        return inv;
    }
}
