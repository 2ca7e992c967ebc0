package dev.lossforge.runtime;

import dev.lossforge.runtime.NoGradient.Combination;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Arithmetic between arrays of different shapes, broadcast as PyTorch broadcasts ({@link #broadcastShape}), and
 * its way back: {@link #sumTo} sums a broadcast gradient to its operand's shape. Arithmetic with a number
 * keeps a NaN number (ND4J's scalar ops would drop it).
 *
 * <p>Support code for generated losses (see the package documentation). Every method returns a new array or one
 * of its arguments, never modified. Arguments of one call share one floating-point dtype. In a backward pass an
 * argument may be {@code null}, "no gradient": the result follows {@link NoGradient#rule}.
 */
public final class Broadcasting {
    private Broadcasting() {
    }

    public static INDArray add(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return NoGradient.ofArrays(Combination.SUM, a, b);
        }
        return binary(a, b, INDArray::add, INDArray::add);
    }

    public static INDArray sub(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return NoGradient.ofArrays(Combination.DIFFERENCE, a, b);
        }
        return binary(a, b, INDArray::sub, INDArray::rsub);
    }

    public static INDArray mul(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return NoGradient.ofArrays(Combination.OTHER, a, b);
        }
        return binary(a, b, INDArray::mul, INDArray::mul);
    }

    public static INDArray div(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return NoGradient.ofArrays(Combination.OTHER, a, b);
        }
        return binary(a, b, INDArray::div, INDArray::rdiv);
    }

    public static INDArray add(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> Double.isNaN(b) ? nanLike(a) : floating(a).add(b));
    }

    public static INDArray sub(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> Double.isNaN(b) ? nanLike(a) : floating(a).sub(b));
    }

    public static INDArray mul(INDArray a, double b) {
        if (a == null) {
            return null;
        }
        return HostArrays.emptyOr(a, () -> Double.isNaN(b) ? nanLike(a) : floating(a).mul(b));
    }

    public static INDArray div(INDArray a, double b) {
        if (a == null) {
            return null;
        }
        return HostArrays.emptyOr(a, () -> Double.isNaN(b) ? nanLike(a) : floating(a).div(b));
    }

    /** {@code value + a}: a constant on the left, as in {@code constant(1.0).add(x)}. */
    public static INDArray add(double value, INDArray a) {
        return add(a, value);
    }

    /** {@code value - a}. */
    public static INDArray sub(double value, INDArray a) {
        if (a == null) {
            return null;
        }
        return rsub(value, a);
    }

    /** {@code value * a}. */
    public static INDArray mul(double value, INDArray a) {
        return mul(a, value);
    }

    /** {@code value / a}. */
    public static INDArray div(double value, INDArray a) {
        return rdiv(value, a);
    }

    /** {@code value - a}. */
    public static INDArray rsub(double value, INDArray a) {
        return HostArrays.emptyOr(a, () -> Double.isNaN(value) ? nanLike(a) : floating(a).rsub(value));
    }

    /** {@code value / a}. */
    public static INDArray rdiv(double value, INDArray a) {
        return HostArrays.emptyOr(a, () -> Double.isNaN(value) ? nanLike(a) : floating(a).rdiv(value));
    }

    /** The larger of a and b, NaN where either is NaN (as torch.maximum; ND4J's max drops a NaN). */
    public static INDArray maximum(INDArray a, INDArray b) {
        return extremum(a, b, true);
    }

    /** The smaller of a and b, NaN where either is NaN (as torch.minimum). */
    public static INDArray minimum(INDArray a, INDArray b) {
        return extremum(a, b, false);
    }

    /** Math.max or Math.min of two broadcast arrays, which keep a NaN; one plain loop that HotSpot vectorises. */
    private static INDArray extremum(INDArray a, INDArray b, boolean larger) {
        INDArray[] ab = broadcast(a, b);
        HostArrays.requireJavaArraySize(ab[0]);
        long[] shape = ab[0].shape();
        if (ab[0].isEmpty()) {
            return HostArrays.empty(shape, ab[0].dataType());
        }
        if (ab[0].dataType() == DataType.FLOAT) {
            float[] x = HostArrays.floats(ab[0]);
            float[] y = HostArrays.floats(ab[1]);
            for (int i = 0; i < x.length; i++) {
                x[i] = larger ? Math.max(x[i], y[i]) : Math.min(x[i], y[i]);
            }
            return HostArrays.of(x, shape);
        }
        double[] x = HostArrays.doubles(ab[0].castTo(DataType.DOUBLE));
        double[] y = HostArrays.doubles(ab[1].castTo(DataType.DOUBLE));
        for (int i = 0; i < x.length; i++) {
            x[i] = larger ? Math.max(x[i], y[i]) : Math.min(x[i], y[i]);
        }
        return HostArrays.fromDoubles(x, shape, ab[0].dataType());
    }

    /** Sums a broadcast gradient back to the shape of the operand it was broadcast from. */
    public static INDArray sumTo(INDArray g, long[] shape) {
        if (g == null) {
            return null;
        }
        if (Arrays.equals(g.shape(), shape)) {
            return g;
        }
        int lead = g.rank() - shape.length;
        int[] axes = new int[g.rank()];
        int n = 0;
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (shape[i - lead] == 1 && g.size(i) != 1)) {
                axes[n++] = i;
            }
        }
        INDArray summed = n == 0 ? g : g.sum(true, Arrays.copyOf(axes, n));
        return summed.reshape(shape);
    }

    /** Broadcasts {@code a} to {@code shape} (materialised), for gradients of reductions. */
    public static INDArray expand(INDArray a, long[] shape) {
        if (a == null) {
            return null;
        }
        if (Arrays.equals(a.shape(), shape)) {
            return a;
        }
        broadcastShape(a.shape(), shape);
        if (a.isEmpty() || Arrays.stream(shape).anyMatch(size -> size == 0)) {
            return Nd4j.create(a.dataType(), shape); // ND4J cannot reshape or broadcast an empty array
        }
        long[] padded = new long[shape.length];
        Arrays.fill(padded, 1);
        System.arraycopy(a.shape(), 0, padded, shape.length - a.rank(), a.rank());
        INDArray reshaped = a.reshape(padded);
        if (Arrays.equals(padded, shape)) {
            return reshaped;
        }
        // ND4J broadcasts natively into an array of the full shape, much faster than INDArray.broadcast; it adds
        // to -0.0, which keeps every value (0.0 + -0.0 would be 0.0)
        return Nd4j.valueArrayOf(shape, -0.0, a.dataType()).addi(reshaped);
    }

    /** NaN in every element of a's shape: ND4J's scalar arithmetic ignores a NaN operand, PyTorch's gives NaN. */
    private static INDArray nanLike(INDArray a) {
        return Nd4j.valueArrayOf(a.shape(), Double.NaN, floating(a).dataType());
    }

    /** PyTorch's broadcast of two shapes; {@link IllegalArgumentException} when they do not broadcast. */
    public static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + ShapeBinder.format(a) + " and " + ShapeBinder.format(b)
                        + " do not broadcast: dim " + i + " is " + da + " vs " + db);
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * The dtype two operands meet in. Within one call every value has the compute dtype; an operand of another
     * dtype can only come from class indices (a mask, {@code asValues}), so the floating-point, and then the
     * narrower, type wins: a DOUBLE mask never turns a FLOAT computation into a DOUBLE one.
     */
    private static DataType commonType(DataType a, DataType b) {
        if (!a.isFPType() || !b.isFPType()) {
            return a.isFPType() ? a : b.isFPType() ? b : DataType.DOUBLE;
        }
        return a.width() <= b.width() ? a : b;
    }

    /** Arithmetic with a number on class indices (a mask of them) computes in DOUBLE. */
    static INDArray floating(INDArray a) {
        return a.dataType().isFPType() ? a : a.castTo(DataType.DOUBLE);
    }

    /**
     * A broadcasting binary op without materialising a broadcast where ND4J can broadcast natively: when the
     * result has a's shape, b is broadcast into it by ND4J itself; when it has b's shape, the op runs the other
     * way round ({@code reversed.apply(b, a)}, as {@code b.rsub(a) = a - b}). Only when neither operand has the
     * result's shape are both expanded.
     */
    private static INDArray binary(INDArray a, INDArray b, java.util.function.BinaryOperator<INDArray> op,
            java.util.function.BinaryOperator<INDArray> reversed) {
        if (a.dataType() != b.dataType()) {
            DataType common = commonType(a.dataType(), b.dataType());
            a = a.castTo(common);
            b = b.castTo(common);
        }
        if (Arrays.equals(a.shape(), b.shape())) {
            return a.isEmpty() ? HostArrays.empty(a.shape(), a.dataType()) : op.apply(a, b);
        }
        long[] shape = broadcastShape(a.shape(), b.shape());
        if (Arrays.stream(shape).anyMatch(size -> size == 0)) {
            return HostArrays.empty(shape, a.dataType());
        }
        if (Arrays.equals(shape, a.shape())) {
            return op.apply(a, b);
        }
        if (Arrays.equals(shape, b.shape())) {
            return reversed.apply(b, a);
        }
        return op.apply(expand(a, shape), expand(b, shape));
    }

    /**
     * Both operands in one dtype and one shape. The dtype is a's, unless a is not floating point (a mask made
     * from class indices) and b is: masks take the values' dtype, so they never change a computation's precision.
     */
    static INDArray[] broadcast(INDArray a, INDArray b) {
        if (a.dataType() != b.dataType()) {
            DataType common = commonType(a.dataType(), b.dataType());
            a = a.castTo(common);
            b = b.castTo(common);
        }
        if (Arrays.equals(a.shape(), b.shape())) {
            return new INDArray[] {a, b};
        }
        long[] shape = broadcastShape(a.shape(), b.shape());
        return new INDArray[] {expand(a, shape), expand(b, shape)};
    }
}
