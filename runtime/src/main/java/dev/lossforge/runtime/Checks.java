package dev.lossforge.runtime;

import dev.lossforge.runtime.fused.RowKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Input validation for generated losses. Every failure is an {@link IllegalArgumentException} that names the
 * loss, the argument, what was expected and what was found.
 */
public final class Checks {
    private Checks() {
    }

    /**
     * The dtype a call computes in: DOUBLE if any value input is DOUBLE, otherwise FLOAT (HALF and BFLOAT16
     * are computed in FLOAT). Integer or boolean values are rejected; index inputs are not passed here.
     */
    public static DataType computeType(String loss, String[] names, INDArray[] values) {
        DataType type = DataType.FLOAT;
        for (int i = 0; i < values.length; i++) {
            INDArray v = values[i];
            if (v == null) {
                continue;
            }
            if (!v.dataType().isFPType()) {
                throw new IllegalArgumentException(loss + ": " + names[i] + " has dtype " + v.dataType()
                        + " but must be floating point (FLOAT or DOUBLE); cast it with castTo(DataType.FLOAT)");
            }
            if (v.dataType() == DataType.DOUBLE) {
                type = DataType.DOUBLE;
            }
        }
        return type;
    }

    /** {@code a} in the compute dtype: the same array when it already is (it is never written to). */
    public static INDArray cast(INDArray a, DataType type) {
        return a == null || a.dataType() == type ? a : a.castTo(type);
    }

    /** The number of inputs is right, and none is null. */
    public static void arity(String loss, String[] names, INDArray[] inputs) {
        if (inputs == null || inputs.length != names.length) {
            throw new IllegalArgumentException(loss + ": expected " + names.length + " inputs (" + String.join(", ", names)
                    + ") but got " + (inputs == null ? 0 : inputs.length));
        }
        for (int i = 0; i < names.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException(loss + ": " + names[i] + " is null");
            }
        }
    }

    /**
     * Class indices: integer-valued (any numeric dtype) and in {@code [0, classes)}, or equal to {@code ignoreIndex}.
     */
    public static void indices(String loss, String param, INDArray index, String dimName, long classes, long ignoreIndex) {
        if (index.dataType() == DataType.BOOL || index.dataType() == DataType.UTF8) {
            throw new IllegalArgumentException(loss + ": " + param + " has dtype " + index.dataType()
                    + " but holds class indices; pass LONG, INT or integer-valued floats");
        }
        if (index.isEmpty()) {
            return;
        }
        double[] values = HostArrays.doubles(index);
        for (double v : values) {
            if (Double.isNaN(v) || v != Math.rint(v)) {
                throw new IllegalArgumentException(loss + ": " + param + " holds " + v
                        + ", which is not a class index; class indices are integers in [0, " + dimName + ") with " + dimName + "=" + classes);
            }
            long k = (long) v;
            if (k != ignoreIndex && (k < 0 || k >= classes)) {
                throw new IllegalArgumentException(loss + ": " + param + " holds class index " + k + ", out of range [0, "
                        + classes + ") for " + dimName + "=" + classes
                        + (ignoreIndex == Long.MIN_VALUE ? "" : "; it may also equal ignore_index (" + ignoreIndex + ")"));
            }
        }
    }

    public static void indices(String loss, String param, INDArray index, String dimName, long classes) {
        indices(loss, param, index, dimName, classes, Long.MIN_VALUE);
    }

    /** BCE's input: every element in [0, 1], as PyTorch's BCELoss requires (NaN fails too). */
    public static void probabilities(String loss, String param, INDArray x, INDArray target) {
        probabilities(loss, param, x);
    }

    /**
     * GaussianNLLLoss's variance: the input's shape, that shape without its last dim, or with a last dim of 1;
     * and no negative entry.
     */
    public static void variance(String loss, String param, INDArray var, INDArray input) {
        try {
            Kernels.alignVariance(var, input);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(loss + ": " + e.getMessage().replaceFirst("^var", param));
        }
        if (!var.isEmpty() && var.minNumber().doubleValue() < 0) {
            throw new IllegalArgumentException(loss + ": " + param + " has negative entries (found " + var.minNumber()
                    + "); a variance must be >= 0");
        }
    }

    /** Every element in [0, 1], as PyTorch's BCELoss requires (NaN fails too). */
    public static void probabilities(String loss, String param, INDArray x) {
        if (x.isEmpty()) {
            return;
        }
        float[] range = RowKernels.range(x); // one pass on the CPU for float32
        double min = range != null ? range[0] : x.minNumber().doubleValue();
        double max = range != null ? range[1] : x.maxNumber().doubleValue();
        boolean hasNaN = range != null ? Float.isNaN(range[0]) : x.isNaN().any();
        if (hasNaN || min < 0.0 || max > 1.0) {
            throw new IllegalArgumentException(loss + ": all elements of " + param + " should be between 0 and 1, found "
                    + (hasNaN ? "NaN" : (min < 0.0 ? min : max))
                    + "; apply a sigmoid first, or use BCEWithLogitsLoss on the logits");
        }
    }

    /**
     * A gradient in the shape and dtype of the input it belongs to: an unbatched input gets its batch dim of one
     * dropped, and HALF and BFLOAT16 inputs get gradients of their own dtype.
     */
    public static INDArray like(INDArray gradient, INDArray input) {
        if (gradient == null) {
            return null;
        }
        gradient = unshared(gradient);
        INDArray shaped = java.util.Arrays.equals(gradient.shape(), input.shape()) ? gradient : gradient.reshape(input.shape());
        return shaped.dataType() == input.dataType() || !input.dataType().isFPType() ? shaped : shaped.castTo(input.dataType());
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

    /** A loss value in the dtype of the first input when that is HALF or BFLOAT16 (computed in FLOAT). */
    public static INDArray resultLike(INDArray value, INDArray firstInput) {
        value = unshared(value);
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

    // ---------------------------------------------------------------- the values of unset tensor options

    private static final int MAX_FILLED = 256;
    private static final java.util.Map<java.util.List<Object>, INDArray> FILLED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.Set<INDArray> SHARED =
            java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));

    /**
     * A tensor of {@code shape} filled with {@code value}: an unset tensor option's value. One shared, read-only
     * array per (dtype, shape, value), made outside any workspace (kernels never write their inputs, and a result
     * that is one of these is copied on the way out, see {@link #unshared}): no allocation per call.
     */
    public static INDArray filled(long[] shape, double value, DataType dtype) {
        java.util.List<Object> key = java.util.List.of(dtype, java.util.Arrays.toString(shape), value);
        INDArray cached = FILLED.get(key);
        if (cached != null) {
            return cached;
        }
        INDArray made;
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            made = shape.length == 0 ? Nd4j.scalar(dtype, value) : Nd4j.valueArrayOf(shape, value, dtype);
        }
        if (FILLED.size() >= MAX_FILLED) {
            return made;
        }
        INDArray winner = FILLED.computeIfAbsent(key, k -> made);
        SHARED.add(winner);
        return winner;
    }

    /** A scalar option value: {@link #filled(long[], double, DataType)} of rank 0. */
    public static INDArray filled(double value, DataType dtype) {
        return filled(new long[0], value, dtype);
    }

    /** A copy when {@code a} is one of the shared option values (a loss that returns an unset option as it is). */
    static INDArray unshared(INDArray a) {
        return a != null && SHARED.contains(a) ? a.dup() : a;
    }
}
