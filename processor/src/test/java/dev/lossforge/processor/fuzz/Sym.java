package dev.lossforge.processor.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A symbolic shape as the fuzz generators see it: dims ({@code N}, {@code C}, {@code D}, {@code 2}, {@code 1}) around
 * at most the variadic {@code *d}. A shape without the variadic keeps all its dims in {@code pre}.
 */
record Sym(List<String> pre, boolean var, List<String> suf) {
    static final Sym SCALAR = new Sym(List.of(), false, List.of());

    Sym {
        pre = List.copyOf(pre);
        suf = List.copyOf(suf);
        if (!var && !suf.isEmpty()) {
            List<String> all = new ArrayList<>(pre);
            all.addAll(suf);
            pre = List.copyOf(all);
            suf = List.of();
        }
    }

    static Sym fixed(List<String> dims) {
        return new Sym(dims, false, List.of());
    }

    static Sym of(String... dims) {
        return fixed(List.of(dims));
    }

    /** Parses the generator's own declarations ("N,C,*d"). */
    static Sym parse(String decl) {
        List<String> pre = new ArrayList<>();
        List<String> suf = new ArrayList<>();
        boolean var = false;
        if (!decl.isBlank()) {
            for (String d : decl.split(",")) {
                d = d.trim();
                if (d.equals("*d")) {
                    var = true;
                } else {
                    (var ? suf : pre).add(d.startsWith("#") ? d.substring(1) : d);
                }
            }
        }
        return new Sym(pre, var, suf);
    }

    boolean isScalar() {
        return !var && pre.isEmpty();
    }

    /** Dims outside the variadic. */
    int fixedRank() {
        return pre.size() + suf.size();
    }

    /** The declaration, as in {@code @Shape("N,C,*d")}. */
    String decl() {
        List<String> parts = new ArrayList<>(pre);
        if (var) {
            parts.add("*d");
        }
        parts.addAll(suf);
        return String.join(",", parts);
    }

    @Override
    public String toString() {
        return "(" + decl() + ")";
    }

    /** A position outside the variadic: in {@code pre} (index from the start) or {@code suf} (index from its start). */
    record Slot(boolean inPre, int index) {
    }

    List<Slot> slots() {
        List<Slot> out = new ArrayList<>();
        for (int i = 0; i < pre.size(); i++) out.add(new Slot(true, i));
        for (int i = 0; i < suf.size(); i++) out.add(new Slot(false, i));
        return out;
    }

    String at(Slot s) {
        return s.inPre() ? pre.get(s.index()) : suf.get(s.index());
    }

    /** The DSL dim for a slot: non-negative in the prefix, negative in the suffix; a fixed shape may use either. */
    int dslDim(Slot s, boolean negative) {
        if (!var) {
            return negative ? s.index() - pre.size() : s.index();
        }
        return s.inPre() ? s.index() : s.index() - suf.size();
    }

    Sym drop(List<Slot> slots) {
        List<String> p = new ArrayList<>(pre);
        List<String> q = new ArrayList<>(suf);
        for (Slot s : slots) {
            (s.inPre() ? p : q).set(s.index(), null);
        }
        p.removeIf(x -> x == null);
        q.removeIf(x -> x == null);
        return new Sym(p, var, q);
    }

    /** This shape with {@code dim} inserted at {@code index} of the prefix ({@code inPre}) or the suffix. */
    Sym insert(boolean inPre, int index, String dim) {
        List<String> p = new ArrayList<>(pre);
        List<String> q = new ArrayList<>(suf);
        (inPre ? p : q).add(index, dim);
        return new Sym(p, var, q);
    }

    /** The concrete shape for the given sizes of names and of the variadic. */
    long[] concrete(Map<String, Integer> sizes, int[] varDims) {
        List<Long> out = new ArrayList<>();
        for (String d : pre) out.add(size(d, sizes));
        if (var) for (int v : varDims) out.add((long) v);
        for (String d : suf) out.add(size(d, sizes));
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static long size(String dim, Map<String, Integer> sizes) {
        return Character.isDigit(dim.charAt(0)) ? Long.parseLong(dim) : sizes.get(dim);
    }

    /**
     * PyTorch broadcasting as LossForge does it symbolically (docs/shapes.md): null when the shapes do not
     * broadcast. Dims broadcast when equal or when one is 1.
     */
    static Sym broadcast(Sym a, Sym b) {
        if (a.isScalar()) return b;
        if (b.isScalar()) return a;
        if (a.var && b.var) {
            if (a.suf.size() != b.suf.size()) return null;
            List<String> p = aligned(a.pre, b.pre);
            List<String> s = aligned(a.suf, b.suf);
            return p == null || s == null ? null : new Sym(p, true, s);
        }
        if (a.var || b.var) {
            Sym v = a.var ? a : b;
            Sym f = a.var ? b : a;
            int overlap = Math.min(f.pre.size(), v.suf.size());
            List<String> tail = f.pre.subList(f.pre.size() - overlap, f.pre.size());
            for (String extra : f.pre.subList(0, f.pre.size() - overlap)) {
                if (!extra.equals("1")) return null;
            }
            List<String> s = aligned(v.suf, tail);
            return s == null ? null : new Sym(v.pre, true, s);
        }
        List<String> all = aligned(a.pre, b.pre);
        return all == null ? null : fixed(all);
    }

    private static List<String> aligned(List<String> x, List<String> y) {
        int rank = Math.max(x.size(), y.size());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            String dx = i < rank - x.size() ? "1" : x.get(i - (rank - x.size()));
            String dy = i < rank - y.size() ? "1" : y.get(i - (rank - y.size()));
            if (dx.equals(dy) || dy.equals("1")) out.add(dx);
            else if (dx.equals("1")) out.add(dy);
            else return null;
        }
        return out;
    }
}
