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

    /** Fresh ids for wildcards; shared by concurrent compilations (Gradle runs several), hence atomic. */
    private static final java.util.concurrent.atomic.AtomicInteger wildcards = new java.util.concurrent.atomic.AtomicInteger();

    /** The compile-time view of a declared shape. */
    public static SymShape of(ShapeSpec spec) {
        List<String> prefix = new ArrayList<>();
        List<String> suffix = new ArrayList<>();
        String variadic = null;
        for (ShapeSpec.Dim d : spec.dims()) {
            if (d instanceof ShapeSpec.Variadic v) {
                variadic = v.name() == null ? "*" + wildcards.incrementAndGet() : v.name();
                continue;
            }
            String dim = d instanceof ShapeSpec.Wildcard ? "_" + wildcards.incrementAndGet()
                    : d instanceof ShapeSpec.Broadcastable b ? "#" + b.name()
                    : d instanceof ShapeSpec.Expr e ? render(e, 0) : d.toString();
            (variadic == null ? prefix : suffix).add(dim);
        }
        return new SymShape(prefix, variadic, suffix);
    }

    /**
     * A dim expression as a canonical string: no spaces, parentheses only where they matter, so that
     * {@code (C-1)*2} and {@code C-1*2} (which is C-2) differ, and {@code C - 1} equals {@code C-1}.
     */
    private static String render(ShapeSpec.Expr e, int outer) {
        if (!(e instanceof ShapeSpec.BinOp op)) {
            return e.toString();
        }
        int prec = op.op() == '*' ? 2 : 1;
        // a right operand of the same precedence needs parentheses after '-': C-(A-B) is not C-A-B
        String text = render(op.left(), prec) + op.op() + render(op.right(), op.op() == '-' ? prec + 1 : prec);
        return prec < outer ? "(" + text + ")" : text;
    }

    public boolean hasVariadic() {
        return variadic != null;
    }

    /** Whether the variadic is an anonymous {@code *}, which is never the same as another. */
    public boolean isAnonymousVariadic() {
        return variadic != null && variadic.matches("\\*\\d+");
    }

    /** The variadic as the user wrote it: {@code *} or {@code *d}; null when there is none. */
    public String variadicLabel() {
        return variadic == null ? null : isAnonymousVariadic() ? "*" : "*" + variadic;
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
            parts.add(variadicLabel());
        }
        suffix.forEach(d -> parts.add(isWildcard(d) ? "_" : d));
        return "(" + String.join(",", parts) + ")";
    }
}
