package dev.lossforge.runtime;

import dev.lossforge.runtime.fused.RowKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Input validation for generated losses. Every failure is an {@link IllegalArgumentException} that names the
 * loss, the argument, what was expected and what was found. Support code for generated losses (see the package
 * documentation).
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
            TorchPrimitives.alignVariance(var, input);
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
}
