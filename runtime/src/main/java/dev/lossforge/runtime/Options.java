package dev.lossforge.runtime;

import dev.lossforge.Reduction;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Option values: untyped values (from maps, JSON or PyTorch-style keyword names) converted for generated builders,
 * and the shared arrays that stand for unset tensor options ({@link #filled}). Support code for generated losses
 * (see the package documentation).
 */
public final class Options {
    private Options() {
    }

    /** {@code ignore_index} and {@code ignoreIndex} are the same option. */
    public static String camelCase(String name) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    /** A builder's reduction: any but null, which names the loss and the choices. */
    public static Reduction requireReduction(String loss, Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException(loss + ": reduction is null; use NONE, MEAN or SUM");
        }
        return reduction;
    }

    public static Reduction toReduction(String loss, Object value) {
        if (value instanceof Reduction r) {
            return r;
        }
        if (value instanceof String s) {
            try {
                return Reduction.fromTorch(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(loss + ": " + e.getMessage());
            }
        }
        throw wrongType(loss, "reduction", "one of none, mean, sum, batchmean", value);
    }

    public static double toDouble(String loss, String option, Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
        }
        throw wrongType(loss, option, "a number", value);
    }

    public static long toLong(String loss, String option, Object value) {
        double d = toDouble(loss, option, value);
        if (d != Math.rint(d)) {
            throw wrongType(loss, option, "an integer", value);
        }
        return (long) d;
    }

    public static int toInt(String loss, String option, Object value) {
        return Math.toIntExact(toLong(loss, option, value));
    }

    public static boolean toBoolean(String loss, String option, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw wrongType(loss, option, "true or false", value);
    }

    public static String toText(String loss, String option, Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw wrongType(loss, option, "a string", value);
    }

    /** An INDArray, a number (a scalar tensor), a double[] or a nested list of numbers; null stays null (the default). */
    public static INDArray toTensor(String loss, String option, Object value) {
        if (value == null || value instanceof INDArray) {
            return (INDArray) value;
        }
        if (value instanceof Number n) {
            return Nd4j.scalar(n.doubleValue());
        }
        if (value instanceof double[] d) {
            return Nd4j.createFromArray(d.clone());
        }
        if (value instanceof float[] f) {
            return Nd4j.createFromArray(f.clone());
        }
        if (value instanceof java.util.List<?> list) {
            double[] d = new double[list.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = toDouble(loss, option, list.get(i));
            }
            return Nd4j.createFromArray(d);
        }
        throw wrongType(loss, option, "a tensor (INDArray, double[] or list of numbers)", value);
    }

    public static IllegalArgumentException unknown(String loss, String option, String... valid) {
        return new IllegalArgumentException(loss + ": unknown option '" + option + "'; valid options: "
                + String.join(", ", Arrays.asList(valid)));
    }

    private static IllegalArgumentException wrongType(String loss, String option, String expected, Object value) {
        return new IllegalArgumentException(loss + ": option " + option + " must be " + expected + ", got "
                + (value == null ? "null" : "'" + value + "' (" + value.getClass().getSimpleName() + ")"));
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

    /** Whether {@code a} is one of the shared arrays of {@link #filled(long[], double, DataType)}: every element the same. */
    static boolean isFilled(INDArray a) {
        return SHARED.contains(a);
    }

    /** A copy when {@code a} is one of the shared option values (a loss that returns an unset option as it is). */
    static INDArray unshared(INDArray a) {
        return a != null && SHARED.contains(a) ? a.dup() : a;
    }
}
