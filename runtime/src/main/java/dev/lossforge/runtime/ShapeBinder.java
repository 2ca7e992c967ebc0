package dev.lossforge.runtime;

import dev.lossforge.shape.ShapeSpec;
import dev.lossforge.shape.ShapeSpec.BinOp;
import dev.lossforge.shape.ShapeSpec.Broadcastable;
import dev.lossforge.shape.ShapeSpec.Const;
import dev.lossforge.shape.ShapeSpec.Dim;
import dev.lossforge.shape.ShapeSpec.Expr;
import dev.lossforge.shape.ShapeSpec.Sym;
import dev.lossforge.shape.ShapeSpec.Variadic;
import dev.lossforge.shape.ShapeSpec.Wildcard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Binds the symbols of declared shapes to the sizes of the actual arrays, in parameter order, and rejects a
 * mismatch with a message that prints every bound dim, jaxtyping-style:
 *
 * <pre>CrossEntropyLoss: target has shape [4,3] but is declared (N,*d) with N=4, d=() bound from input [4,5]</pre>
 *
 * One binder serves one call; it is not shared between threads.
 */
public final class ShapeBinder {
    private final String lossName;
    private final Map<String, Long> dims = new LinkedHashMap<>();
    private final Map<String, long[]> variadics = new LinkedHashMap<>();
    /** Which parameter, with which shape, bound each symbol: for the error message. */
    /** Where each dim was bound: the parameter and its shape, formatted only for an error message. */
    private final Map<String, Source> boundFrom = new LinkedHashMap<>();

    private record Source(String param, long[] shape) {
        @Override
        public String toString() {
            return describe(param, shape);
        }
    }
    private final List<Runnable> deferredChecks = new ArrayList<>();

    public ShapeBinder(String lossName) {
        this.lossName = lossName;
    }

    /** Binds {@code spec} against {@code array}'s shape; throws {@link IllegalArgumentException} on a mismatch. */
    public ShapeBinder bind(String param, INDArray array, ShapeSpec spec) {
        if (array == null) {
            throw new IllegalArgumentException(lossName + ": " + param + " is null but is declared " + spec);
        }
        return bind(param, array.shape(), spec);
    }

    public ShapeBinder bind(String param, long[] shape, ShapeSpec spec) {
        List<Dim> declared = spec.dims();
        int variadicAt = spec.variadicIndex().orElse(-1);
        int fixed = variadicAt < 0 ? declared.size() : declared.size() - 1;
        if (variadicAt < 0 ? shape.length != fixed : shape.length < fixed) {
            throw mismatch(param, shape, spec);
        }
        int suffix = variadicAt < 0 ? 0 : declared.size() - variadicAt - 1;
        for (int i = 0; i < declared.size(); i++) {
            Dim d = declared.get(i);
            if (d instanceof Variadic v) {
                long[] middle = Arrays.copyOfRange(shape, i, shape.length - suffix);
                if (v.name() != null) {
                    long[] known = variadics.get(v.name());
                    if (known == null) {
                        variadics.put(v.name(), middle);
                        boundFrom.put(v.name(), new Source(param, shape));
                    } else if (!Arrays.equals(known, middle)) {
                        throw mismatch(param, shape, spec);
                    }
                }
                continue;
            }
            int axis = variadicAt >= 0 && i > variadicAt ? shape.length - (declared.size() - i) : i;
            if (!bindDim(param, shape, spec, d, shape[axis])) {
                throw mismatch(param, shape, spec);
            }
        }
        return this;
    }

    /** Checks that arrays declared with {@code #N} dims or expressions agree once every symbol is bound. */
    public ShapeBinder finish() {
        for (Runnable check : deferredChecks) {
            check.run();
        }
        deferredChecks.clear();
        return this;
    }

    /** The size bound to {@code name}. */
    public long dim(String name) {
        Long size = dims.get(name);
        if (size == null) {
            throw new IllegalStateException(lossName + ": dim " + name + " is not bound");
        }
        return size;
    }

    /** The sizes bound to the variadic {@code *name}. */
    public long[] variadic(String name) {
        long[] sizes = variadics.get(name);
        return sizes == null ? new long[0] : sizes.clone();
    }

    private boolean bindDim(String param, long[] shape, ShapeSpec spec, Dim d, long actual) {
        if (d instanceof Wildcard || d instanceof Variadic) {
            return true;
        }
        if (d instanceof Broadcastable b) {
            return actual == 1 || bindName(param, shape, b.name(), actual);
        }
        if (d instanceof Sym s) {
            return bindName(param, shape, s.name(), actual);
        }
        // Arithmetic: check now if every symbol is bound, otherwise once the rest of the call is bound.
        Expr e = (Expr) d;
        Long value = evaluate(e);
        if (value != null) {
            return value == actual;
        }
        deferredChecks.add(() -> {
            Long later = evaluate(e);
            if (later == null || later != actual) {
                throw mismatch(param, shape, spec);
            }
        });
        return true;
    }

    private boolean bindName(String param, long[] shape, String name, long actual) {
        Long known = dims.get(name);
        if (known == null) {
            dims.put(name, actual);
            boundFrom.put(name, new Source(param, shape));
            return true;
        }
        return known == actual;
    }

    private Long evaluate(Expr e) {
        if (e instanceof Const c) {
            return c.value();
        }
        if (e instanceof Sym s) {
            return dims.get(s.name());
        }
        BinOp op = (BinOp) e;
        Long l = evaluate(op.left());
        Long r = evaluate(op.right());
        if (l == null || r == null) {
            return null;
        }
        return op.op() == '+' ? l + r : op.op() == '-' ? l - r : l * r;
    }

    /**
     * Checks that the tensor option {@code param} broadcasts into {@code shape} (the values it is combined with,
     * declared {@code declared}) without growing it: an option may broadcast to the loss, never the loss to the option.
     */
    public ShapeBinder broadcastsInto(String param, INDArray option, long[] shape, String declared) {
        long[] broadcast;
        try {
            broadcast = Broadcasting.broadcastShape(option.shape(), shape);
        } catch (IllegalArgumentException e) {
            broadcast = null;
        }
        if (broadcast == null || !java.util.Arrays.equals(broadcast, shape)) {
            String bound = boundDims();
            throw new IllegalArgumentException(lossName + ": " + param + " has shape " + format(option.shape())
                    + " but must broadcast to " + declared + " = " + format(shape) + (bound.isEmpty() ? "" : " (" + bound + ")")
                    + (broadcast == null ? "" : " without growing it: it would make the loss " + format(broadcast)));
        }
        return this;
    }

    private IllegalArgumentException mismatch(String param, long[] shape, ShapeSpec spec) {
        StringBuilder msg = new StringBuilder(lossName).append(": ").append(param).append(" has shape ")
                .append(format(shape)).append(" but is declared ").append(spec);
        String bound = boundDims();
        if (!bound.isEmpty()) {
            msg.append(" with ").append(bound);
        }
        return new IllegalArgumentException(msg.toString());
    }

    /** {@code N=4, d=() bound from input [4,5]}: every bound dim, grouped by the parameter that bound it. */
    public String boundDims() {
        Map<String, List<String>> bySource = new LinkedHashMap<>();
        dims.forEach((name, size) -> bySource.computeIfAbsent(String.valueOf(boundFrom.get(name)), k -> new ArrayList<>()).add(name + "=" + size));
        variadics.forEach((name, sizes) -> bySource.computeIfAbsent(String.valueOf(boundFrom.get(name)), k -> new ArrayList<>())
                .add(name + "=(" + join(sizes) + ")"));
        List<String> parts = new ArrayList<>();
        bySource.forEach((source, names) -> parts.add(String.join(", ", names) + " bound from " + source));
        return String.join("; ", parts);
    }

    private static String describe(String param, long[] shape) {
        return param + " " + format(shape);
    }

    public static String format(long[] shape) {
        return "[" + join(shape) + "]";
    }

    private static String join(long[] sizes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            sb.append(i == 0 ? "" : ",").append(sizes[i]);
        }
        return sb.toString();
    }
}
