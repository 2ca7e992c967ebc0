package dev.lossforge.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J arrays to Java arrays and back, without a native op when the array is already plain c-order: each
 * native op costs microseconds, which is what small losses ([32,10]) are made of. Also the array helpers the
 * kernels share: empty results, results from Java arrays, and the Java-array size limit.
 */
public final class HostArrays {
    private HostArrays() {
    }

    /** The elements in c order, as a new Java array. */
    public static double[] doubles(INDArray a) {
        return a.isEmpty() ? new double[0] : plain(a).data().asDouble();
    }

    /** The elements in c order, as a new Java array. */
    public static float[] floats(INDArray a) {
        return a.isEmpty() ? new float[0] : plain(a).data().asFloat();
    }

    /** The array itself when its buffer holds exactly its elements in c order, else a c-order copy. */
    private static INDArray plain(INDArray a) {
        return a.data().length() == a.length() && isPlainC(a) ? a : a.dup('c');
    }

    /** Whether element i of the array is element i of its buffer (c order, no offset; size-1 dims may have any stride). */
    public static boolean isPlainC(INDArray a) {
        if (a.offset() != 0 || a.data().length() < a.length()) {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** An array of {@code type} holding {@code values} (in c order) with {@code shape}, made without a cast op for float types. */
    public static INDArray of(double[] values, long[] shape, DataType type) {
        if (values.length == 0) {
            return Nd4j.create(type, shape);
        }
        if (type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return of(f, shape);
        }
        if (type == DataType.DOUBLE) {
            // createUninitialized allocates in the active workspace (createFromArray would not)
            INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, shape);
            out.data().asNioDouble().put(0, values);
            return out;
        }
        return Nd4j.createFromArray(values).castTo(type).reshape('c', shape);
    }

    /** A FLOAT array holding {@code values} (in c order) with {@code shape}, in the active workspace if any. */
    public static INDArray of(float[] values, long[] shape) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        if (values.length > 0) {
            out.data().asNioFloat().put(0, values);
        }
        return out;
    }

    /** ND4J refuses to compute on empty arrays; an elementwise op on an empty input gives an empty result. */
    static INDArray empty(long[] shape, DataType type) {
        return Nd4j.create(type, shape);
    }

    /** An empty result of a's shape and dtype when {@code a} is empty (ND4J refuses those), else {@code compute}'s. */
    static INDArray emptyOr(INDArray a, java.util.function.Supplier<INDArray> compute) {
        return a.isEmpty() ? empty(a.shape(), a.dataType()) : compute.get();
    }

    /**
     * The kernels that copy an array into a Java array (selection, indices, smooth L1, Huber) hold at most
     * 2^31 - 1 elements; beyond that they refuse with a clear error rather than overflow an int index. Kernels
     * made of ND4J ops index with longs and have no such limit.
     */
    static void requireJavaArraySize(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an array of " + a.length() + " elements is larger than this kernel supports"
                    + " (2^31 - 8 elements, a Java array): split the batch");
        }
    }

    /** An array of {@code type} and {@code shape} holding {@code values} in 'c' order. */
    static INDArray fromDoubles(double[] values, long[] shape, DataType type) {
        if (values.length == 0) {
            return Nd4j.create(type, shape);
        }
        if (shape.length == 0) {
            return Nd4j.scalar(type, values[0]);
        }
        return HostArrays.of(values, shape, type);
    }
}
