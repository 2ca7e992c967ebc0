package dev.lossforge.runtime;

import dev.lossforge.runtime.fused.RowKernels;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.GreaterThanOrEqual;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LessThanOrEqual;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The ND4J implementation of every DSL op, with PyTorch's semantics: full broadcasting, stable
 * log-sum-exp, clamped logs. Generated losses call these, and so does the eager {@link dev.lossforge.dsl.Tensor}.
 *
 * <p>Every method returns a new array and never modifies its arguments. Arguments of one call share one
 * floating-point dtype (the generated code casts its inputs once, on entry).
 *
 * <p>In backward passes {@code null} stands for "no gradient" (the branch of an option's {@code ?:} not
 * taken): arithmetic on it gives null again, and adding it changes nothing. A zero array would not do:
 * 0 times an infinity from the untaken branch is NaN.
 */
public final class Kernels {
    private Kernels() {
    }

    // ---------------------------------------------------------------- broadcasting arithmetic

    public static INDArray add(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return binary(a, b, INDArray::add, INDArray::add);
    }

    public static INDArray sub(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? null : b.neg()) : a;
        }
        return binary(a, b, INDArray::sub, INDArray::rsub);
    }

    public static INDArray mul(INDArray a, INDArray b) {
        if (a == null || b == null) {
            return null;
        }
        return binary(a, b, INDArray::mul, INDArray::mul);
    }

    public static INDArray div(INDArray a, INDArray b) {
        if (a == null) {
            return null;
        }
        return binary(a, b, INDArray::div, INDArray::rdiv);
    }

    public static INDArray add(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(b) ? nanLike(a) : floating(a).add(b);
    }

    public static INDArray sub(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(b) ? nanLike(a) : floating(a).sub(b);
    }

    public static INDArray mul(INDArray a, double b) {
        if (a == null) {
            return null;
        }
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(b) ? nanLike(a) : floating(a).mul(b);
    }

    public static INDArray div(INDArray a, double b) {
        if (a == null) {
            return null;
        }
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(b) ? nanLike(a) : floating(a).div(b);
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
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(value) ? nanLike(a) : floating(a).rsub(value);
    }

    /** {@code value / a}. */
    public static INDArray rdiv(double value, INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Double.isNaN(value) ? nanLike(a) : floating(a).rdiv(value);
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
        requireJavaArraySize(ab[0]);
        long[] shape = ab[0].shape();
        if (ab[0].isEmpty()) {
            return empty(shape, ab[0].dataType());
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
        return fromDoubles(x, shape, ab[0].dataType());
    }

    // ---------------------------------------------------------------- elementwise

    public static INDArray neg(INDArray a) {
        if (a == null) {
            return null;
        }
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.neg();
    }

    public static INDArray exp(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.exp(a, true);
    }

    public static INDArray log(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.log(a, true);
    }

    /** {@code log(1 + a)}, exact for a small {@code a} (Java's Math.log1p: ND4J's gives 0 for 1e-18 in float64). */
    public static INDArray log1p(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return inDoublePrecision(a, Math::log1p);
    }

    /** {@code exp(a) - 1}, exact near 0 where the subtraction would cancel every digit (Java's Math.expm1: ND4J's gives 0 for 1e-18). */
    public static INDArray expm1(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return inDoublePrecision(a, Math::expm1);
    }

    /**
     * {@code f} of every element, computed by Java's Math in double precision, in an array of a's type: for the words
     * whose point is the digits ND4J's own ops lose (ND4J 1.0.0-M2.1's log1p and expm1 return 0 for 1e-18 in float64).
     */
    private static INDArray inDoublePrecision(INDArray a, java.util.function.DoubleUnaryOperator f) {
        requireJavaArraySize(a);
        double[] values = HostArrays.doubles(floating(a).castTo(DataType.DOUBLE));
        for (int i = 0; i < values.length; i++) {
            values[i] = f.applyAsDouble(values[i]);
        }
        return fromDoubles(values, a.shape(), floating(a).dataType());
    }

    public static INDArray atan(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.atan(a, true);
    }

    public static INDArray sqrt(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.sqrt(a, true);
    }

    public static INDArray square(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.mul(a);
    }

    public static INDArray abs(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.abs(a, true);
    }

    /** {@code |a|} derivative: -1, 0 or 1 (PyTorch's sign, 0 at 0). */
    public static INDArray sign(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        // 0 at NaN, as PyTorch's l1_loss gradient
        return Transforms.sign(a, true);
    }

    public static INDArray pow(INDArray a, double exponent) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        if (exponent == 2.0) {
            return square(a);
        }
        // PyTorch computes these powers as square roots, so pow(-inf, 0.5) is NaN (Math.pow says +inf)
        if (exponent == 0.5) {
            return sqrt(a);
        }
        if (exponent == -0.5) {
            return rdiv(1.0, sqrt(a));
        }
        return Transforms.pow(a, exponent, true);
    }

    public static INDArray sigmoid(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return Transforms.sigmoid(a, true);
    }

    /** {@code log(1 + exp(a))}, as PyTorch's softplus (beta 1, threshold 20): {@code a} itself above 20. */
    public static INDArray softplus(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        INDArray soft = Transforms.log1p(Transforms.exp(Transforms.min(a, 20.0, true), false), false);
        // ND4J's scalar min drops a NaN (min(NaN, 20) = 20): a NaN passes through as itself, as in PyTorch
        return select(Transforms.or(a.gt(20.0), a.isNaN()), a, soft);
    }

    /** {@code log(sigmoid(a))}, stable for large |a|: {@code min(a, 0) - log1p(exp(-|a|))}. */
    public static INDArray logSigmoid(INDArray a) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
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
        requireJavaArraySize(a);
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
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
        double[] values = HostArrays.doubles(floating(a).castTo(DataType.DOUBLE));
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.min(Math.max(values[i], lo), hi);
        }
        return fromDoubles(values, a.shape(), floating(a).dataType());
    }

    public static INDArray clampMin(INDArray a, double lo) {
        return clamp(a, lo, Double.POSITIVE_INFINITY);
    }

    public static INDArray clampMax(INDArray a, double hi) {
        return clamp(a, Double.NEGATIVE_INFINITY, hi);
    }

    // ---------------------------------------------------------------- comparisons and selection (masks are 0/1 in a's dtype)

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
        INDArray[] ab = broadcast(a, b);
        if (ab[0].isEmpty()) {
            return empty(ab[0].shape(), a.dataType());
        }
        return test.apply(ab[0], ab[1]).castTo(a.dataType());
    }

    public static INDArray gt(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.gt(b).castTo(a.dataType());
    }

    public static INDArray ge(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.gte(b).castTo(a.dataType());
    }

    public static INDArray lt(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.lt(b).castTo(a.dataType());
    }

    public static INDArray le(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.lte(b).castTo(a.dataType());
    }

    public static INDArray eq(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.eq(b).castTo(a.dataType());
    }

    public static INDArray ne(INDArray a, double b) {
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        return a.neq(b).castTo(a.dataType());
    }

    /**
     * {@code cond ? a : b} elementwise, broadcasting all three. A true selection, not {@code cond*a + (1-cond)*b}:
     * an infinite or NaN value in the branch not taken does not leak into the result.
     */
    public static INDArray where(INDArray cond, INDArray a, INDArray b) {
        if (a == null || b == null) {
            return a == null && b == null ? null : where(cond, a == null ? zerosLike(b) : a, b == null ? zerosLike(a) : b);
        }
        long[] shape = broadcastShape(broadcastShape(cond.shape(), a.shape()), b.shape());
        if (Arrays.stream(shape).anyMatch(size -> size == 0)) {
            return empty(shape, a.dataType());
        }
        INDArray c = expand(cond, shape);
        return select(c.neq(0.0), expand(a, shape), expand(b, shape));
    }

    public static INDArray where(INDArray cond, INDArray a, double b) {
        if (a == null) {
            return null;
        }
        return where(cond, a, Nd4j.scalar(a.dataType(), b));
    }

    public static INDArray where(INDArray cond, double a, INDArray b) {
        if (b == null) {
            return null;
        }
        return where(cond, Nd4j.scalar(b.dataType(), a), b);
    }

    /**
     * Same-shape selection with a BOOL mask, over primitive arrays (ND4J's select op is far slower here):
     * float arrays stay float, so a FLOAT computation copies half the bytes.
     */
    private static INDArray select(INDArray boolMask, INDArray ifTrue, INDArray ifFalse) {
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
        return fromDoubles(out, shape, ifFalse.dataType());
    }

    private static boolean[] toBooleans(INDArray mask) {
        requireJavaArraySize(mask);
        // a bulk copy as floats: DataBuffer.asBytes() writes a BOOL buffer element by element through a stream
        float[] values = HostArrays.floats(mask.castTo(DataType.FLOAT));
        boolean[] out = new boolean[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] != 0f;
        }
        return out;
    }

    // ---------------------------------------------------------------- reductions

    /** Sum over {@code dims} (all dims when none are given), dropping them, as {@code torch.sum(t, dims)}. */
    public static INDArray sum(INDArray a, int... dims) {
        if (a == null) {
            return null;
        }
        if (dims.length == 0) {
            return Nd4j.scalar(a.dataType(), a.isEmpty() ? 0.0 : a.sumNumber().doubleValue());
        }
        if (a.isEmpty()) {
            return emptyReduction(a, normalize(a.rank(), dims), 0.0);
        }
        return a.sum(normalize(a.rank(), dims));
    }

    /** Mean over {@code dims} (all dims when none are given). An empty input gives NaN, as in PyTorch. */
    public static INDArray mean(INDArray a, int... dims) {
        if (dims.length == 0) {
            return Nd4j.scalar(a.dataType(), a.isEmpty() ? Double.NaN : a.sumNumber().doubleValue() / a.length());
        }
        int[] axes = normalize(a.rank(), dims);
        if (a.isEmpty()) {
            return emptyReduction(a, axes, Double.NaN);
        }
        long count = 1;
        for (int d : axes) {
            count *= a.size(d);
        }
        return a.sum(axes).divi(count);
    }

    /** {@code log(sum(exp(a), dim))}, stabilised by the max as PyTorch does (an infinite max counts as 0). */
    /** The largest value along {@code dim}, that dim dropped; NaN where the values along it hold a NaN, as PyTorch's amax. */
    public static INDArray amax(INDArray a, int dim) {
        int axis = normalize(a.rank(), dim);
        if (a.isEmpty()) {
            return emptyReduction(a, new int[] {axis}, Double.NEGATIVE_INFINITY);
        }
        INDArray max = a.max(false, axis);
        INDArray holdsNaN = a.neq(a).castTo(a.dataType()).max(false, axis).gt(0.0);
        return select(holdsNaN, Nd4j.valueArrayOf(max.shape(), Double.NaN, max.dataType()), max);
    }

        public static INDArray logsumexp(INDArray a, int dim) {
        int axis = normalize(a.rank(), dim);
        if (a.isEmpty()) {
            return emptyReduction(a, new int[] {axis}, Double.NEGATIVE_INFINITY);
        }
        INDArray max = a.max(true, axis);
        INDArray finiteMax = select(Transforms.abs(max, true).eq(Double.POSITIVE_INFINITY), Nd4j.zerosLike(max), max);
        INDArray shifted = sub(a, finiteMax);
        INDArray summed = Transforms.exp(shifted, false).sum(true, axis);
        return Transforms.log(summed, false).addi(finiteMax).reshape(dropDim(a.shape(), axis));
    }

    /**
     * {@code (x - max) - log(sum(exp(x - max)))}, in PyTorch's order: subtracting the max first keeps float32
     * exact for large logits (1e4 + log 2 would round).
     */
    public static INDArray logSoftmax(INDArray a, int dim) {
        int axis = normalize(a.rank(), dim);
        if (a.isEmpty()) {
            return empty(a.shape(), a.dataType());
        }
        if (axis == a.rank() - 1) {
            INDArray fast = RowKernels.logSoftmax(a);
            if (fast != null) {
                return fast;
            }
        }
        // ND4J's own log_softmax op is wrong along dim 1 of rank-3 arrays (the golden tests show it): compose it.
        // The shift is the max itself, infinite or not, as PyTorch's kernel: a row with an infinity is all NaN.
        INDArray shifted = sub(a, a.max(true, axis));
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
        int axis = normalize(x.rank(), dim);
        if (x.isEmpty()) {
            return empty(x.shape(), x.dataType());
        }
        if (axis == x.rank() - 1) {
            INDArray fast = RowKernels.logSoftmaxBackward(g, x);
            if (fast != null) {
                return fast;
            }
        }
        INDArray total = g.sum(true, axis);
        return g.sub(Transforms.exp(logSoftmax(x, dim), false).muli(expand(total, x.shape())));
    }

    /**
     * {@code gather(logSoftmax(t, dim), dim, index, ignoreIndex)}: each picked log-probability, in PyTorch's
     * arithmetic ({@code (x - max) - log(sum(exp(x - max)))}); on the CPU one read of t and no log-softmax written.
     */
    public static INDArray logSoftmaxPick(INDArray t, int dim, INDArray index, long ignoreIndex) {
        int axis = normalize(t.rank(), dim);
        if (axis == t.rank() - 1 && t.rank() == index.rank() + 1) {
            long[] idx = indexValues(index, t.size(axis), ignoreIndex);
            INDArray fast = RowKernels.logSoftmaxPick(t, idx, ignoreIndex);
            if (fast != null) {
                return fast.rank() == index.rank() ? fast : fast.reshape(index.shape());
            }
        }
        return gather(logSoftmax(t, dim), dim, index, ignoreIndex);
    }

    /**
     * The gradient of {@link #logSoftmaxPick}: {@code g (onehot(index) - softmax(t))} along dim, 0 where ignored;
     * {@code picked} is the forward's result, which gives each row's log-sum-exp without another pass.
     */
    public static INDArray logSoftmaxPickBackward(INDArray g, INDArray t, int dim, INDArray index, long ignoreIndex, INDArray picked) {
        if (g == null) {
            return null;
        }
        int axis = normalize(t.rank(), dim);
        if (axis == t.rank() - 1 && t.rank() == index.rank() + 1 && !t.isEmpty()) {
            long[] idx = indexValues(index, t.size(axis), ignoreIndex);
            INDArray fast = RowKernels.logSoftmaxPickBackward(g, t, idx, ignoreIndex, picked);
            if (fast != null) {
                return fast;
            }
        }
        return logSoftmaxBackward(gatherBackward(g, t.shape(), dim, index, ignoreIndex), t, dim);
    }

    public static INDArray softmax(INDArray a, int dim) {
        return Transforms.exp(logSoftmax(a, dim), false);
    }

    /**
     * Re-inserts reduced dims as size 1 (all dims when none are given), so that a reduction's result (or its
     * gradient) broadcasts against the reduction's input of shape {@code originalShape}.
     */
    public static INDArray unsqueeze(INDArray a, long[] originalShape, int... dims) {
        if (a == null) {
            return null;
        }
        long[] kept = originalShape.clone();
        if (dims.length == 0) {
            Arrays.fill(kept, 1);
        }
        for (int d : dims) {
            kept[normalize(originalShape.length, d)] = 1;
        }
        // ND4J cannot reshape an empty array
        return a.isEmpty() ? Nd4j.create(a.dataType(), kept) : a.reshape(kept);
    }

    /** The gradient of {@link #sum}: g copied to every element it summed. */
    public static INDArray sumBackward(INDArray g, long[] originalShape, int... dims) {
        return expand(unsqueeze(g, originalShape, dims), originalShape);
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
            count *= originalShape[normalize(originalShape.length, d)];
        }
        INDArray spread = expand(unsqueeze(g, originalShape, dims), originalShape);
        return spread.isEmpty() ? spread : spread.div(count);
    }

    public static INDArray zerosLike(INDArray a) {
        return Nd4j.zeros(a.dataType(), a.shape());
    }

    /** An input's gradient: zeros where no path gave one ({@code null}). */
    public static INDArray orZeros(INDArray gradient, INDArray input) {
        return gradient != null ? gradient : zerosLike(input);
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

    /** The p-norm over {@code dim}, dropping it: {@code (sum |t|^p)^(1/p)}, as {@code torch.norm(t, p, dim)}. */
    public static INDArray norm(INDArray t, double p, int dim) {
        int axis = normalize(t.rank(), dim);
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
        int axis = normalize(t.rank(), dim);
        if (t.isEmpty()) {
            return empty(t.shape(), t.dataType());
        }
        INDArray gKeep = expand(g.reshape(keepDim(t.shape(), axis)), t.shape());
        INDArray nKeep = expand(norm.reshape(keepDim(t.shape(), axis)), t.shape());
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
        return select(nKeep.eq(0.0), Nd4j.zerosLike(grad), grad);
    }

    /**
     * GaussianNLLLoss's variance, aligned with the input as PyTorch aligns it: a var lacking the input's last
     * dim gets a size-1 dim there; any other var must broadcast to the input ("var is of incorrect size").
     */
    public static INDArray alignVariance(INDArray var, INDArray input) {
        long[] in = input.shape();
        boolean lacksLast = var.rank() == in.length - 1 && Arrays.equals(var.shape(), Arrays.copyOf(in, in.length - 1))
                || in.length == 0 && var.rank() == 0;
        INDArray aligned = lacksLast && in.length > 0 ? unsqueeze(var, var.rank()) : var;
        boolean ok = Arrays.equals(aligned.shape(), in) || lacksLast
                || aligned.rank() == in.length && in.length > 0 && aligned.size(in.length - 1) == 1
                        && Arrays.equals(Arrays.copyOf(aligned.shape(), in.length - 1), Arrays.copyOf(in, in.length - 1));
        if (!ok) {
            throw new IllegalArgumentException("var has shape " + ShapeBinder.format(var.shape()) + " but must have the input's shape "
                    + ShapeBinder.format(in) + ", that shape without its last dim, or that shape with a last dim of 1");
        }
        return expand(aligned, in); // the input's shape, as the op's shape rule says
    }

    /** The gradient of {@link #alignVariance}: summed back to var's own shape. */
    public static INDArray alignVarianceBackward(INDArray g, INDArray var) {
        if (g == null) {
            return null;
        }
        boolean lackedLastDim = var.rank() == g.rank() - 1;
        return lackedLastDim ? sumTo(g, unsqueeze(var, var.rank()).shape()).reshape(var.shape()) : sumTo(g, var.shape());
    }

    /** {@code max(t, lo)} whose gradient passes through unchanged, as a clamp done under {@code torch.no_grad()}. */
    public static INDArray clampMinStraightThrough(INDArray t, double lo) {
        return clampMin(t, lo);
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

    /**
     * {@code t} scaled by the 1-D {@code weights} along {@code dim}: {@code t[n, c, ...] * weights[c]} for dim 1,
     * where plain broadcasting would align the weights with the last dim. A scalar weight scales everything.
     */
    public static INDArray scaleAlong(INDArray t, int dim, INDArray weights) {
        if (t == null) {
            return null;
        }
        if (weights.rank() == 0) {
            return mul(t, weights);
        }
        int axis = normalize(t.rank(), dim);
        long[] shape = new long[t.rank()];
        Arrays.fill(shape, 1);
        shape[axis] = weights.length();
        return mul(t, weights.reshape(shape));
    }

    /** 1 where {@code index} picks the entry along {@code dim} of a tensor shaped like {@code like}, else 0. */
    public static INDArray pickMask(INDArray like, int dim, INDArray index) {
        return gatherBackward(Nd4j.onesLike(index).castTo(like.dataType()), like.shape(), dim, index, Long.MIN_VALUE);
    }

    // ---------------------------------------------------------------- indexing

    /**
     * Picks, for every position of {@code index}, the entry of {@code t} along {@code dim}:
     * {@code out[n,d..] = t[n, index[n,d..], d..]} for dim 1. {@code index} has t's shape without dim.
     * Positions whose index equals {@code ignoreIndex} give 0.
     */
    public static INDArray gather(INDArray t, int dim, INDArray index, long ignoreIndex) {
        int axis = normalize(t.rank(), dim);
        long classes = t.size(axis);
        if (t.rank() == 2 && axis == 1 && !t.isEmpty()) {
            // (N,C) along C: read the N picked entries in place instead of copying the matrix
            long[] idx = indexValues(index, classes, ignoreIndex);
            double[] out = new double[idx.length];
            for (int n = 0; n < idx.length; n++) {
                out[n] = idx[n] == ignoreIndex ? 0.0 : t.getDouble(n, idx[n]);
            }
            return fromDoubles(out, index.shape(), t.dataType());
        }
        double[] rows = moveAxisLast(t, axis);
        long[] idx = indexValues(index, classes, ignoreIndex);
        double[] out = new double[idx.length];
        for (int m = 0; m < idx.length; m++) {
            out[m] = idx[m] == ignoreIndex ? 0.0 : rows[(int) (m * classes + idx[m])];
        }
        return fromDoubles(out, dropDim(t.shape(), axis), t.dataType());
    }

    public static INDArray gather(INDArray t, int dim, INDArray index) {
        return gather(t, dim, index, Long.MIN_VALUE);
    }

    /**
     * {@code t[.., index, ..]} along {@code dim}, that dim dropped: a new array, as PyTorch's {@code select}; a
     * negative index counts from the end.
     */
    public static INDArray select(INDArray t, int dim, long index) {
        int axis = normalize(t.rank(), dim);
        long at = sliceIndex(t.size(axis), dim, index);
        if (t.isEmpty()) {
            return Nd4j.create(t.dataType(), dropDim(t.shape(), axis));
        }
        return t.get(slice(t.rank(), axis, at)).dup('c').reshape(dropDim(t.shape(), axis));
    }

    /** The gradient of {@link #select}: {@code g} written into slice {@code index} of zeros of {@code shape}. */
    public static INDArray selectBackward(INDArray g, long[] shape, int dim, long index) {
        if (g == null) {
            return null;
        }
        int axis = normalize(shape.length, dim);
        long at = sliceIndex(shape[axis], dim, index);
        INDArray out = Nd4j.zeros(g.dataType(), shape);
        if (!out.isEmpty()) {
            out.get(slice(shape.length, axis, at)).assign(g.reshape(keepDim(shape, axis)));
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
        int axis = normalize(shape.length, dim);
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
        INDArray permuted = fromDoubles(out, permutedShape, g.dataType());
        return permuted.permute(inverse(order)).dup('c');
    }

    /** {@code weights[index]} elementwise, 0 where the index equals {@code ignoreIndex}; a scalar weight fills. */
    public static INDArray take(INDArray weights, INDArray index, long ignoreIndex) {
        if (weights.rank() == 0) {
            // one weight for every class: w, or 0 where the index is ignored (in Java: no native op for N values)
            double w = weights.getDouble(0);
            double[] raw = HostArrays.doubles(index);
            double[] out = new double[raw.length];
            for (int m = 0; m < raw.length; m++) {
                out[m] = raw[m] == ignoreIndex ? 0.0 : w;
            }
            return fromDoubles(out, index.shape(), weights.dataType());
        }
        long classes = weights.length();
        long[] idx = indexValues(index, classes, ignoreIndex);
        double[] w = HostArrays.doubles(weights);
        double[] out = new double[idx.length];
        for (int m = 0; m < idx.length; m++) {
            out[m] = idx[m] == ignoreIndex ? 0.0 : w[(int) idx[m]];
        }
        return fromDoubles(out, index.shape(), weights.dataType());
    }

    public static INDArray take(INDArray weights, INDArray index) {
        return take(weights, index, Long.MIN_VALUE);
    }

    /** The values of an index tensor as longs, validated: integral and in {@code [0, classes)} or {@code ignoreIndex}. */
    static long[] indexValues(INDArray index, long classes, long ignoreIndex) {
        requireJavaArraySize(index);
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

    // ---------------------------------------------------------------- primitives with PyTorch's own derivative rules

    /**
     * PyTorch's binary cross entropy: {@code (t - 1) * max(log(1 - x), -100) - t * max(log x, -100)}, in PyTorch's
     * order, with ND4J's native ops on private temporaries.
     */
    public static INDArray binaryCrossEntropy(INDArray x, INDArray t) {
        INDArray[] xt = broadcast(x, t);
        if (xt[0].isEmpty()) {
            return empty(xt[0].shape(), x.dataType());
        }
        INDArray logX = Transforms.max(Transforms.log(xt[0], true), -100.0, false);
        INDArray log1mX = Transforms.max(Transforms.log1p(xt[0].neg(), false), -100.0, false);
        return xt[1].sub(1.0).muli(log1mX).subi(logX.muli(xt[1]));
    }

    /** d bce / dx, as PyTorch: {@code (x - t) / max((1 - x) * x, EPSILON)}. */
    public static INDArray binaryCrossEntropyGradInput(INDArray x, INDArray t) {
        INDArray[] xt = broadcast(x, t);
        if (xt[0].isEmpty()) {
            return empty(xt[0].shape(), x.dataType());
        }
        INDArray floor = Transforms.max(xt[0].rsub(1.0).muli(xt[0]), BCE_EPSILON, false);
        return xt[0].sub(xt[1]).divi(floor);
    }

    /** d bce / dt, as PyTorch: {@code log(1-x) - log(x)}, unclamped (infinite at x = 0 or 1). */
    public static INDArray binaryCrossEntropyGradTarget(INDArray x, INDArray t) {
        INDArray[] xt = broadcast(x, t);
        if (xt[0].isEmpty()) {
            return empty(xt[0].shape(), x.dataType());
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
        return select(Transforms.abs(nll, true).eq(Double.POSITIVE_INFINITY), Nd4j.zerosLike(nll), nll);
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

    /** Class indices or lengths as values (DOUBLE; arithmetic casts them to the other operand's dtype). */
    public static INDArray asValues(INDArray index) {
        return index.castTo(DataType.DOUBLE);
    }

    /** PyTorch's floor for x(1-x) in BCE's gradient: the float 1e-12f, not the double 1e-12. */
    private static final double BCE_EPSILON = 1e-12f;

    private interface DoubleBinary {
        double apply(double x, double y);
    }

    /** NaN in every element of a's shape: ND4J's scalar arithmetic ignores a NaN operand, PyTorch's gives NaN. */
    private static INDArray nanLike(INDArray a) {
        return Nd4j.valueArrayOf(a.shape(), Double.NaN, floating(a).dataType());
    }

    /**
     * f over two broadcast arrays, computed in double and returned in x's dtype. FLOAT arrays are read and
     * written as {@code float[]}: half the copying, and no DOUBLE array to cast back.
     */
    private static INDArray elementwise(INDArray x, INDArray y, DoubleBinary f) {
        INDArray[] xy = broadcast(x, y);
        requireJavaArraySize(xy[0]);
        long[] shape = xy[0].shape();
        if (xy[0].isEmpty()) {
            return empty(shape, x.dataType());
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
        return fromDoubles(a, shape, x.dataType());
    }

    // ---------------------------------------------------------------- shapes and dtypes

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
    private static INDArray floating(INDArray a) {
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
            return a.isEmpty() ? empty(a.shape(), a.dataType()) : op.apply(a, b);
        }
        long[] shape = broadcastShape(a.shape(), b.shape());
        if (Arrays.stream(shape).anyMatch(size -> size == 0)) {
            return empty(shape, a.dataType());
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
    private static INDArray[] broadcast(INDArray a, INDArray b) {
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

    public static long[] dropDim(long[] shape, int axis) {
        long[] out = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    public static long[] keepDim(long[] shape, int axis) {
        long[] out = shape.clone();
        out[axis] = 1;
        return out;
    }

    public static int normalize(int rank, int dim) {
        int axis = dim < 0 ? dim + rank : dim;
        if (axis < 0 || axis >= rank) {
            throw new IllegalArgumentException("dim " + dim + " is out of range for rank " + rank);
        }
        return axis;
    }

    private static int[] normalize(int rank, int[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = normalize(rank, dims[i]);
        }
        return out;
    }

    /** t's values, c-ordered, with {@code axis} moved last: row m holds the entries along axis. */
    private static double[] moveAxisLast(INDArray t, int axis) {
        requireJavaArraySize(t);
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

    /** ND4J refuses to compute on empty arrays; an elementwise op on an empty input gives an empty result. */
    private static INDArray empty(long[] shape, DataType type) {
        return Nd4j.create(type, shape);
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
