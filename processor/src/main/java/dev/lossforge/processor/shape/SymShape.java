package dev.lossforge.processor.shape;

import dev.lossforge.shape.ShapeSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A symbolic shape at compile time: fixed dims around at most one variadic. Dims are canonical strings
 * ({@code N}, {@code 3}, {@code C-1}); a wildcard {@code _} becomes a fresh {@code _1}, {@code _2}, ... that
 * matches anything.
 *
 * @param prefix the dims before the variadic (all dims when there is none)
 * @param variadic the variadic's name ({@code "*"} for an anonymous one), or null
 * @param suffix the dims after the variadic
 */
public record SymShape(List<String> prefix, String variadic, List<String> suffix) {

    public static final SymShape SCALAR = new SymShape(List.of(), null, List.of());

    public SymShape {
        prefix = List.copyOf(prefix);
        suffix = List.copyOf(suffix);
    }

    public static SymShape fixed(List<String> dims) {
        return new SymShape(dims, null, List.of());
    }

    private static int wildcards;

    /** The compile-time view of a declared shape. */
    public static SymShape of(ShapeSpec spec) {
        List<String> prefix = new ArrayList<>();
        List<String> suffix = new ArrayList<>();
        String variadic = null;
        for (ShapeSpec.Dim d : spec.dims()) {
            if (d instanceof ShapeSpec.Variadic v) {
                variadic = v.name() == null ? "*" + (++wildcards) : v.name();
                continue;
            }
            String dim = d instanceof ShapeSpec.Wildcard ? "_" + (++wildcards)
                    : d instanceof ShapeSpec.Broadcastable b ? b.name() : d.toString();
            (variadic == null ? prefix : suffix).add(dim);
        }
        return new SymShape(prefix, variadic, suffix);
    }

    public boolean hasVariadic() {
        return variadic != null;
    }

    /** The number of dims when there is no variadic. */
    public int fixedRank() {
        return prefix.size() + suffix.size();
    }

    public boolean isScalar() {
        return variadic == null && prefix.isEmpty();
    }

    /** All dims, when there is no variadic. */
    public List<String> dims() {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(suffix);
        return all;
    }

    public static boolean isWildcard(String dim) {
        return dim.startsWith("_");
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        prefix.forEach(d -> parts.add(isWildcard(d) ? "_" : d));
        if (variadic != null) {
            parts.add(variadic.matches("\\*\\d+") ? "*" : "*" + variadic);
        }
        suffix.forEach(d -> parts.add(isWildcard(d) ? "_" : d));
        return "(" + String.join(",", parts) + ")";
    }
}
