package dev.lossforge.runtime;

import dev.lossforge.runtime.NoGradient.Combination;
import dev.lossforge.runtime.NoGradient.Rule;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.GreaterThanOrEqual;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LessThanOrEqual;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Elementwise functions, comparisons (0/1 masks in the first operand's dtype) and selection ({@code where}), with
 * PyTorch's semantics: NaN stays NaN, empty arrays give empty results, {@code where} does not leak the branch not
 * taken.
 *
 * <p>Support code for generated losses (see the package documentation). Every method returns a new array and
 * never modifies its arguments. In a backward pass an argument may be {@code null}, "no gradient": the result
 * follows {@link NoGradient#rule}.
 */
public final class Pointwise {
    private Pointwise() {
    }

    public static INDArray neg(INDArray a) {
        if (a == null) {
            return null;
        }
        return HostArrays.emptyOr(a, () -> a.neg());
    }

    public static INDArray exp(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.exp(a, true));
    }

    public static INDArray log(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.log(a, true));
    }

    /** {@code log(1 + a)}, exact for a small {@code a} (Java's Math.log1p: ND4J's gives 0 for 1e-18 in float64). */
    public static INDArray log1p(INDArray a) {
        return HostArrays.emptyOr(a, () -> inDoublePrecision(a, Math::log1p));
    }

    /**
     * PyTorch's {@code xlogy}: {@code x log y} elementwise (broadcast), 0 where x is 0 unless y is NaN, so that
     * {@code 0 log 0} is 0 (KL divergence's {@code t log t}).
     */
    public static INDArray xlogy(INDArray x, INDArray y) {
        INDArray[] xy = Broadcasting.broadcast(Broadcasting.floating(x), Broadcasting.floating(y));
        if (xy[0].isEmpty()) {
            return HostArrays.empty(xy[0].shape(), xy[0].dataType());
        }
        HostArrays.requireJavaArraySize(xy[0]);
        long[] shape = xy[0].shape();
        if (xy[0].dataType() == DataType.FLOAT && xy[1].dataType() == DataType.FLOAT) {
            float[] a = HostArrays.floats(xy[0]);
            float[] b = HostArrays.floats(xy[1]);
            float[] out = new float[a.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = xlogy(a[i], b[i]);
            }
            return HostArrays.of(out, shape);
        }
        double[] a = HostArrays.doubles(xy[0].castTo(DataType.DOUBLE));
        double[] b = HostArrays.doubles(xy[1].castTo(DataType.DOUBLE));
        double[] out = new double[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.isNaN(b[i]) ? Double.NaN : a[i] == 0 ? 0 : a[i] * Math.log(b[i]);
        }
        return HostArrays.fromDoubles(out, shape, xy[0].dataType());
    }

    /** One float element of xlogy, as PyTorch computes it: {@code x * log(y)} with the log rounded to float. */
    public static float xlogy(float x, float y) {
        return Float.isNaN(y) ? Float.NaN : x == 0f ? 0f : x * (float) Math.log(y);
    }

    public static INDArray xlogy(INDArray x, double y) {
        return xlogy(x, Nd4j.scalar(Broadcasting.floating(x).dataType(), y));
    }

    /** {@code exp(a) - 1}, exact near 0 where the subtraction would cancel every digit (ND4J's gives 0 for 1e-18). */
    public static INDArray expm1(INDArray a) {
        return HostArrays.emptyOr(a, () -> inDoublePrecision(a, Math::expm1));
    }

    /**
     * {@code f} of every element, computed by Java's Math in double precision, in an array of a's type: for the words
     * whose point is the digits ND4J's own ops lose (ND4J 1.0.0-M2.1's log1p and expm1 return 0 for 1e-18 in float64).
     */
    private static INDArray inDoublePrecision(INDArray a, java.util.function.DoubleUnaryOperator f) {
        HostArrays.requireJavaArraySize(a);
        INDArray values = Broadcasting.floating(a);
        double[] host = HostArrays.doubles(values.castTo(DataType.DOUBLE));
        for (int i = 0; i < host.length; i++) {
            host[i] = f.applyAsDouble(host[i]);
        }
        return HostArrays.fromDoubles(host, a.shape(), values.dataType());
    }

    public static INDArray atan(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.atan(a, true));
    }

    public static INDArray sqrt(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.sqrt(a, true));
    }

    public static INDArray square(INDArray a) {
        return HostArrays.emptyOr(a, () -> a.mul(a));
    }

    public static INDArray abs(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.abs(a, true));
    }

    /** {@code |a|} derivative: -1, 0 or 1 (PyTorch's sign, 0 at 0). */
    public static INDArray sign(INDArray a) {
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        // 0 at NaN, as PyTorch's l1_loss gradient
        return Transforms.sign(a, true);
    }

    public static INDArray pow(INDArray a, double exponent) {
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        if (exponent == 2.0) {
            return square(a);
        }
        // PyTorch computes these powers as square roots, so pow(-inf, 0.5) is NaN (Math.pow says +inf)
        if (exponent == 0.5) {
            return sqrt(a);
        }
        if (exponent == -0.5) {
            return Broadcasting.rdiv(1.0, sqrt(a));
        }
        return Transforms.pow(a, exponent, true);
    }

    public static INDArray sigmoid(INDArray a) {
        return HostArrays.emptyOr(a, () -> Transforms.sigmoid(a, true));
    }

    /** {@code log(1 + exp(a))}, as PyTorch's softplus (beta 1, threshold 20): {@code a} itself above 20. */
    public static INDArray softplus(INDArray a) {
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        INDArray soft = Transforms.log1p(Transforms.exp(Transforms.min(a, 20.0, true), false), false);
        // ND4J's scalar min drops a NaN (min(NaN, 20) = 20): a NaN passes through as itself, as in PyTorch
        return selectByMask(Transforms.or(a.gt(20.0), a.isNaN()), a, soft);
    }

    /** {@code log(sigmoid(a))}, stable for large |a|: {@code min(a, 0) - log1p(exp(-|a|))}. */
    public static INDArray logSigmoid(INDArray a) {
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        INDArray tail = Transforms.log1p(Transforms.exp(Transforms.abs(a, true).negi(), false), false);
        return Transforms.min(a, 0.0, true).subi(tail);
    }

    public static INDArray relu(INDArray a) {
        return clamp(a, 0.0, Double.POSITIVE_INFINITY);
    }

    /**
     * {@code min(max(a, lo), hi)}, as torch.clamp (hi wins when lo > hi); NaN stays NaN. A plain Java loop: ND4J's
     * scalar max and min drop a NaN (max(NaN, 0) is 0), Math.max and Math.min keep it, as PyTorch does.
     */
    public static INDArray clamp(INDArray a, double lo, double hi) {
        HostArrays.requireJavaArraySize(a);
        if (a.isEmpty()) {
            return HostArrays.empty(a.shape(), a.dataType());
        }
        if (a.dataType() == DataType.FLOAT) {
            float[] values = HostArrays.floats(a);
            float low = (float) lo;
            float high = (float) hi;
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.min(Math.max(values[i], low), high);
            }
            return HostArrays.of(values, a.shape());
        }
        double[] values = HostArrays.doubles(Broadcasting.floating(a).castTo(DataType.DOUBLE));
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.min(Math.max(values[i], lo), hi);
        }
        return HostArrays.fromDoubles(values, a.shape(), Broadcasting.floating(a).dataType());
    }

    public static INDArray clampMin(INDArray a, double lo) {
        return clamp(a, lo, Double.POSITIVE_INFINITY);
    }

    public static INDArray clampMax(INDArray a, double hi) {
        return clamp(a, Double.NEGATIVE_INFINITY, hi);
    }

    public static INDArray gt(INDArray a, INDArray b) {
        return compare(a, b, INDArray::gt);
    }

    public static INDArray ge(INDArray a, INDArray b) {
        return compare(a, b, (x, y) -> Nd4j.exec(new GreaterThanOrEqual(x, y, Nd4j.createUninitialized(DataType.BOOL, x.shape())))[0]);
    }

    public static INDArray lt(INDArray a, INDArray b) {
        return compare(a, b, INDArray::lt);
    }

    public static INDArray le(INDArray a, INDArray b) {
        return compare(a, b, (x, y) -> Nd4j.exec(new LessThanOrEqual(x, y, Nd4j.createUninitialized(DataType.BOOL, x.shape())))[0]);
    }

    public static INDArray eq(INDArray a, INDArray b) {
        return compare(a, b, INDArray::eq);
    }

    public static INDArray ne(INDArray a, INDArray b) {
        return compare(a, b, INDArray::neq);
    }

    /** A comparison of two broadcast operands, as a 0/1 mask in a's dtype. */
    private static INDArray compare(INDArray a, INDArray b, java.util.function.BinaryOperator<INDArray> test) {
        INDArray[] ab = Broadcasting.broadcast(a, b);
        if (ab[0].isEmpty()) {
            return HostArrays.empty(ab[0].shape(), a.dataType());
        }
        return test.apply(ab[0], ab[1]).castTo(a.dataType());
    }

    public static INDArray gt(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.gt(b).castTo(a.dataType()));
    }

    public static INDArray ge(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.gte(b).castTo(a.dataType()));
    }

    public static INDArray lt(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.lt(b).castTo(a.dataType()));
    }

    public static INDArray le(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.lte(b).castTo(a.dataType()));
    }

    public static INDArray eq(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.eq(b).castTo(a.dataType()));
    }

    public static INDArray ne(INDArray a, double b) {
        return HostArrays.emptyOr(a, () -> a.neq(b).castTo(a.dataType()));
    }

    /**
     * {@code cond ? a : b} elementwise, broadcasting all three. A true selection, not {@code cond*a + (1-cond)*b}:
     * an infinite or NaN value in the branch not taken does not leak into the result.
     */
    public static INDArray where(INDArray cond, INDArray a, INDArray b) {
        if (a == null || b == null) {
            if (NoGradient.rule(Combination.SELECTION, false, cond == null, a == null, b == null) == Rule.NO_GRADIENT) {
                return null;
            }
            return where(cond, a == null ? zerosLike(b) : a, b == null ? zerosLike(a) : b); // MISSING_AS_ZERO
        }
        long[] shape = Broadcasting.broadcastShape(Broadcasting.broadcastShape(cond.shape(), a.shape()), b.shape());
        if (Arrays.stream(shape).anyMatch(size -> size == 0)) {
            return HostArrays.empty(shape, a.dataType());
        }
        INDArray c = Broadcasting.expand(cond, shape);
        return selectByMask(c.neq(0.0), Broadcasting.expand(a, shape), Broadcasting.expand(b, shape));
    }

    public static INDArray where(INDArray cond, INDArray a, double b) {
        if (a == null && NoGradient.rule(Combination.SELECTION, true, false, true, false) == Rule.NO_GRADIENT) {
            return null;
        }
        return where(cond, a, Nd4j.scalar(a.dataType(), b));
    }

    public static INDArray where(INDArray cond, double a, INDArray b) {
        if (b == null && NoGradient.rule(Combination.SELECTION, true, false, false, true) == Rule.NO_GRADIENT) {
            return null;
        }
        return where(cond, Nd4j.scalar(b.dataType(), a), b);
    }

    /**
     * Same-shape selection with a BOOL mask, over primitive arrays (ND4J's select op is far slower here):
     * float arrays stay float, so a FLOAT computation copies half the bytes.
     */
    static INDArray selectByMask(INDArray boolMask, INDArray ifTrue, INDArray ifFalse) {
        long[] shape = ifFalse.shape();
        boolean[] mask = toBooleans(boolMask);
        if (ifFalse.dataType() == DataType.FLOAT) {
            float[] yes = HostArrays.floats(ifTrue.castTo(DataType.FLOAT));
            float[] out = HostArrays.floats(ifFalse);
            for (int i = 0; i < out.length; i++) {
                if (mask[i]) {
                    out[i] = yes[i];
                }
            }
            return out.length == 0 ? Nd4j.create(DataType.FLOAT, shape) : Nd4j.createFromArray(out).reshape('c', shape);
        }
        double[] yes = HostArrays.doubles(ifTrue.castTo(DataType.DOUBLE));
        double[] out = HostArrays.doubles(ifFalse.castTo(DataType.DOUBLE));
        for (int i = 0; i < out.length; i++) {
            if (mask[i]) {
                out[i] = yes[i];
            }
        }
        return HostArrays.fromDoubles(out, shape, ifFalse.dataType());
    }

    private static boolean[] toBooleans(INDArray mask) {
        HostArrays.requireJavaArraySize(mask);
        // a bulk copy as floats: DataBuffer.asBytes() writes a BOOL buffer element by element through a stream
        float[] values = HostArrays.floats(mask.castTo(DataType.FLOAT));
        boolean[] out = new boolean[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] != 0f;
        }
        return out;
    }

    public static INDArray zerosLike(INDArray a) {
        return Nd4j.zeros(a.dataType(), a.shape());
    }

    /** {@code max(t, lo)} whose gradient passes through unchanged, as a clamp done under {@code torch.no_grad()}. */
    public static INDArray clampMinStraightThrough(INDArray t, double lo) {
        return clampMin(t, lo);
    }
}
