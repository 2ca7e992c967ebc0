package dev.lossforge.processor.fuzz;

/**
 * A generated tensor expression: its Java text, its symbolic shape, a conservative interval of its values over
 * the test inputs, and whether it depends on a differentiable input.
 *
 * @param mask whether its values are 0/1 (a comparison or a pick mask)
 * @param raw whether it is a value input itself (continuous values: never exactly 0 nor on a kink)
 */
record Expr(String text, Sym shape, double lo, double hi, boolean diff, boolean mask, boolean raw) {
    /** Bounds of a branch never taken may be NaN or infinite: they are kept finite, as numbers printed from them must be. */
    static final double HUGE = 1e9;

    Expr {
        lo = Double.isNaN(lo) ? -HUGE : Math.max(-HUGE, Math.min(HUGE, lo));
        hi = Double.isNaN(hi) ? HUGE : Math.max(-HUGE, Math.min(HUGE, hi));
    }

    static Expr of(String text, Sym shape, double lo, double hi, boolean diff) {
        return new Expr(text, shape, lo, hi, diff, false, false);
    }

    Expr withText(String t) {
        return new Expr(t, shape, lo, hi, diff, mask, false);
    }

    /** The text as a method call's receiver: a ?: needs parentheses. */
    String receiver() {
        return text.contains("?") && !(text.startsWith("(") && text.endsWith(")")) ? "(" + text + ")" : text;
    }

    double maxAbs() {
        return Math.max(Math.abs(lo), Math.abs(hi));
    }

    boolean positive(double margin) {
        return lo >= margin;
    }
}
