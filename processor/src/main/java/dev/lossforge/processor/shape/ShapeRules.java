package dev.lossforge.processor.shape;

import dev.lossforge.processor.diag.Diag;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The shape algebra behind the op table's shape rules: PyTorch broadcasting over symbolic dims with a
 * variadic, reductions over named positions, and gather's contract.
 */
public final class ShapeRules {
    private ShapeRules() {
    }

    /** PyTorch broadcasting of two symbolic shapes. */
    public static SymShape broadcast(SymShape a, SymShape b) throws ShapeError {
        if (a.isScalar()) return b;
        if (b.isScalar()) return a;
        if (a.hasVariadic() && b.hasVariadic()) {
            if (!a.variadic().equals(b.variadic())) {
                Diag diag = a.isAnonymousVariadic() || b.isAnonymousVariadic() ? Diag.BROADCAST_ANONYMOUS_VARIADICS : Diag.BROADCAST;
                throw new ShapeError(diag, a, b, a.variadicLabel(), b.variadicLabel());
            }
            if (a.suffix().size() != b.suffix().size()) {
                // right-aligned, the longer suffix's first extra dim faces the other's variadic, whose rank is unknown
                boolean aLonger = a.suffix().size() > b.suffix().size();
                List<String> longer = aLonger ? a.suffix() : b.suffix();
                String extra = longer.get(longer.size() - Math.min(a.suffix().size(), b.suffix().size()) - 1);
                throw aLonger ? new ShapeError(Diag.BROADCAST, a, b, extra, b.variadicLabel())
                        : new ShapeError(Diag.BROADCAST, a, b, a.variadicLabel(), extra);
            }
            return new SymShape(rightAligned(a.prefix(), b.prefix(), a, b), a.variadic(), rightAligned(a.suffix(), b.suffix(), a, b));
        }
        if (a.hasVariadic() || b.hasVariadic()) {
            SymShape v = a.hasVariadic() ? a : b;
            SymShape f = a.hasVariadic() ? b : a;
            List<String> fixed = f.dims();
            int overlap = Math.min(fixed.size(), v.suffix().size());
            List<String> tail = fixed.subList(fixed.size() - overlap, fixed.size());
            List<String> suffix = rightAligned(v.suffix(), tail, a, b);
            for (String extra : fixed.subList(0, fixed.size() - overlap)) {
                if (!extra.equals("1")) {
                    throw new ShapeError(Diag.BROADCAST, a, b, extra, "the variadic " + v.variadicLabel());
                }
            }
            return new SymShape(v.prefix(), v.variadic(), suffix);
        }
        return SymShape.fixed(rightAligned(a.dims(), b.dims(), a, b));
    }

    private static List<String> rightAligned(List<String> x, List<String> y, SymShape a, SymShape b) throws ShapeError {
        int rank = Math.max(x.size(), y.size());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            String dx = i < rank - x.size() ? "1" : x.get(i - (rank - x.size()));
            String dy = i < rank - y.size() ? "1" : y.get(i - (rank - y.size()));
            out.add(broadcastDim(dx, dy, a, b));
        }
        return out;
    }

    private static String broadcastDim(String x, String y, SymShape a, SymShape b) throws ShapeError {
        // #N is N or 1: it meets N as N, and 1 as itself
        if (x.startsWith("#") && (x.substring(1).equals(y) || y.equals("1"))) return x.substring(1).equals(y) ? y : x;
        if (y.startsWith("#") && (y.substring(1).equals(x) || x.equals("1"))) return y.substring(1).equals(x) ? x : y;
        if (x.equals(y) || y.equals("1") || SymShape.isWildcard(y)) return x;
        if (x.equals("1") || SymShape.isWildcard(x)) return y;
        throw new ShapeError(broadcastDiag(a, b), a, b, x, y);
    }

    /** The message for two shapes that do not broadcast, with a hint when the shapes suggest a likely mistake. */
    private static Diag broadcastDiag(SymShape a, SymShape b) {
        List<String> ad = a.dims();
        List<String> bd = b.dims();
        if (!a.hasVariadic() && !b.hasVariadic()) {
            if (ad.size() == bd.size() + 1 && ad.subList(0, bd.size()).equals(bd)
                    || bd.size() == ad.size() + 1 && bd.subList(0, ad.size()).equals(ad)) {
                return Diag.BROADCAST_ONE_PER_ROW;
            }
            List<String> reversed = new ArrayList<>(bd);
            Collections.reverse(reversed);
            if (ad.size() > 1 && ad.equals(reversed)) {
                return Diag.BROADCAST_REVERSED;
            }
        }
        return Diag.BROADCAST;
    }

    /** The exact same shape (no broadcasting), as gather requires of its index. */
    public static boolean sameShape(SymShape a, SymShape b) {
        if (a.hasVariadic() != b.hasVariadic() || a.hasVariadic() && !a.variadic().equals(b.variadic())) {
            return false;
        }
        return sameDims(a.prefix(), b.prefix()) && sameDims(a.suffix(), b.suffix());
    }

    /**
     * Whether a computed shape is what a declaration says: the same shape, where the declaration's anonymous
     * {@code *} (any dims) also matches the computed shape's variadic, whatever its name.
     */
    public static boolean matchesDeclared(SymShape declared, SymShape actual) {
        if (declared.isAnonymousVariadic() && actual.hasVariadic()) {
            return sameShape(new SymShape(declared.prefix(), actual.variadic(), declared.suffix()), actual);
        }
        if (declared.isAnonymousVariadic()) {
            List<String> dims = actual.dims();
            int p = declared.prefix().size();
            int s = declared.suffix().size();
            return dims.size() >= p + s && sameDims(declared.prefix(), dims.subList(0, p))
                    && sameDims(declared.suffix(), dims.subList(dims.size() - s, dims.size()));
        }
        return sameShape(declared, actual);
    }

    private static boolean sameDims(List<String> x, List<String> y) {
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) {
            if (!x.get(i).equals(y.get(i)) && !SymShape.isWildcard(x.get(i)) && !SymShape.isWildcard(y.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Where a dim index lands: in the prefix (>= 0) or the suffix (counted from the end). */
    public record Position(boolean inPrefix, int index) {
    }

    public static Position locate(SymShape s, int dim) throws ShapeError {
        if (dim >= 0) {
            if (dim < s.prefix().size()) return new Position(true, dim);
            if (!s.hasVariadic() && dim < s.fixedRank()) return new Position(false, dim - s.prefix().size());
            if (s.hasVariadic()) throw ShapeError.atDim(dim, Diag.DIM_VARIADIC, dim, s, s.variadicLabel());
            throw ShapeError.atDim(dim, Diag.DIM_RANGE, dim, s);
        }
        long fromEnd = -(long) dim; // Integer.MIN_VALUE has no int negation
        if (fromEnd > s.fixedRank()) {
            if (s.hasVariadic()) throw ShapeError.atDim(dim, Diag.DIM_VARIADIC, dim, s, s.variadicLabel());
            throw ShapeError.atDim(dim, Diag.DIM_RANGE, dim, s);
        }
        if (fromEnd <= s.suffix().size()) return new Position(false, (int) (s.suffix().size() - fromEnd));
        if (!s.hasVariadic()) return new Position(true, (int) (s.prefix().size() - (fromEnd - s.suffix().size())));
        if (s.hasVariadic()) throw ShapeError.atDim(dim, Diag.DIM_VARIADIC, dim, s, s.variadicLabel());
        throw ShapeError.atDim(dim, Diag.DIM_RANGE, dim, s);
    }

    public static String dimAt(SymShape s, Position p) {
        return p.inPrefix() ? s.prefix().get(p.index()) : s.suffix().get(p.index());
    }

    /** s without the dims at {@code dims}. */
    public static SymShape drop(SymShape s, int... dims) throws ShapeError {
        List<String> prefix = new ArrayList<>(s.prefix());
        List<String> suffix = new ArrayList<>(s.suffix());
        List<Position> positions = new ArrayList<>();
        for (int k = 0; k < dims.length; k++) {
            Position p;
            try {
                p = locate(s, dims[k]);
            } catch (ShapeError e) {
                throw e.atDimIndex(k);
            }
            int earlier = positions.indexOf(p);
            if (earlier >= 0) {
                throw ShapeError.atDim(dims[k], Diag.DIM_REPEATED, dims[k], dims[earlier], s).atDimIndex(k);
            }
            positions.add(p);
        }
        // remove from the highest index down so earlier indices stay valid
        positions.sort((p, q) -> Integer.compare(q.index(), p.index()));
        for (Position p : positions) {
            (p.inPrefix() ? prefix : suffix).set(p.index(), null);
        }
        prefix.removeIf(x -> x == null);
        suffix.removeIf(x -> x == null);
        if (!s.hasVariadic()) {
            List<String> all = new ArrayList<>(prefix);
            all.addAll(suffix);
            return SymShape.fixed(all);
        }
        return new SymShape(prefix, s.variadic(), suffix);
    }
}
