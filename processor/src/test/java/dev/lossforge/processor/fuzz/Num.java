package dev.lossforge.processor.fuzz;

/**
 * A generated number-valued Java expression (a literal, an option, a local, Math calls and arithmetic) with the
 * value Java gives it when every option has its default.
 */
record Num(String text, double value, boolean isInt, boolean isBool) {
    static Num lit(double v) {
        String t = v == Math.rint(v) && Math.abs(v) < 1e6 ? String.format("%.1f", v) : Double.toString(v);
        return new Num(v < 0 ? "(" + t + ")" : t, v, false, false);
    }

    static Num intLit(int v) {
        return new Num(v < 0 ? "(" + v + ")" : Integer.toString(v), v, true, false);
    }
}
