package dev.lossforge.shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A parsed shape declaration such as {@code N,C,*d} or {@code #N,2*T}. The grammar (see docs/shapes.md):
 *
 * <pre>
 *   shape  := '' | dim (',' dim)*          optionally wrapped in '(' ')'
 *   dim    := '_' | '*' | '*' name | '#' name | expr
 *   expr   := term (('+' | '-') term)*
 *   term   := factor ('*' factor)*
 *   factor := integer | name | '(' expr ')'
 * </pre>
 *
 * At most one variadic ({@code *} or {@code *name}) per shape. Shared by the processor (compile-time checks)
 * and by generated code (run-time binding), so both read a shape string the same way.
 */
public record ShapeSpec(String source, List<Dim> dims) {

    public ShapeSpec {
        dims = List.copyOf(dims);
    }

    /** One position of a shape. */
    public sealed interface Dim permits Wildcard, Variadic, Broadcastable, Expr {
    }

    /** {@code _}: any size, not bound. */
    public record Wildcard() implements Dim {
        @Override public String toString() { return "_"; }
    }

    /** {@code *} (anonymous, name null) or {@code *d}: any number of dims, unified by name across parameters. */
    public record Variadic(String name) implements Dim {
        @Override public String toString() { return name == null ? "*" : "*" + name; }
    }

    /** {@code #N}: the size bound to N, or 1. */
    public record Broadcastable(String name) implements Dim {
        @Override public String toString() { return "#" + name; }
    }

    /** A dim given by an integer, a name, or arithmetic over them. */
    public sealed interface Expr extends Dim permits Const, Sym, BinOp {
    }

    public record Const(long value) implements Expr {
        @Override public String toString() { return Long.toString(value); }
    }

    public record Sym(String name) implements Expr {
        @Override public String toString() { return name; }
    }

    public record BinOp(char op, Expr left, Expr right) implements Expr {
        @Override public String toString() { return left + String.valueOf(op) + right; }
    }

    /** Parses a shape string; throws {@link ShapeSyntaxException} with the offending column. */
    public static ShapeSpec parse(String source) {
        return new Parser(source).parseShape();
    }

    /** The index of the variadic dim, if there is one. */
    public Optional<Integer> variadicIndex() {
        for (int i = 0; i < dims.size(); i++) {
            if (dims.get(i) instanceof Variadic) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** Every dim name this shape mentions, variadic names included, in order of first appearance. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (Dim d : dims) {
            collectNames(d, names);
        }
        return names;
    }

    private static void collectNames(Dim d, List<String> out) {
        String name = null;
        if (d instanceof Variadic v) {
            name = v.name();
        } else if (d instanceof Broadcastable b) {
            name = b.name();
        } else if (d instanceof Sym s) {
            name = s.name();
        }
        if (name != null && !out.contains(name)) {
            out.add(name);
        }
        if (d instanceof BinOp op) {
            collectNames(op.left(), out);
            collectNames(op.right(), out);
        }
    }

    /** The shape as users write it, in parentheses: {@code (N,C,*d)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(dims.get(i));
        }
        return sb.append(')').toString();
    }

    /** Recursive-descent parser; positions are 0-based offsets into the source string. */
    private static final class Parser {
        private final String src;
        private int pos;

        Parser(String src) {
            this.src = src == null ? "" : src;
        }

        ShapeSpec parseShape() {
            skipSpaces();
            int end = src.length();
            boolean wrapped = peek() == '(' && src.trim().endsWith(")") && !looksLikeExprStart();
            if (wrapped) {
                pos++;
                end = src.lastIndexOf(')');
            }
            List<Dim> dims = new ArrayList<>();
            int secondVariadicAt = -1;
            skipSpaces();
            if (pos < end) {
                while (true) {
                    skipSpaces();
                    int dimStart = pos;
                    dims.add(parseDim(end));
                    if (dims.get(dims.size() - 1) instanceof Variadic && secondVariadicAt < 0
                            && dims.stream().filter(d -> d instanceof Variadic).count() == 2) {
                        secondVariadicAt = dimStart;
                    }
                    skipSpaces();
                    if (pos >= end) {
                        break;
                    }
                    expect(',', "',' between dims");
                }
            }
            if (wrapped) {
                pos = end + 1;
                skipSpaces();
                if (pos < src.length()) {
                    throw error("unexpected '" + src.charAt(pos) + "' after the closing ')'");
                }
            }
            if (secondVariadicAt >= 0) {
                throw new ShapeSyntaxException(src, secondVariadicAt, "at most one variadic dim ('*' or '*name') per shape");
            }
            return new ShapeSpec(src, dims);
        }

        /** True when the '(' at pos closes at the very end: "(N,C)" is wrapped, "(N+1),C" is not. */
        private boolean looksLikeExprStart() {
            int last = src.stripTrailing().length() - 1;
            int depth = 0;
            for (int i = pos; i <= last; i++) {
                char c = src.charAt(i);
                if (c == '(') depth++;
                if (c == ')') depth--;
                if (depth == 0) {
                    return i != last;
                }
            }
            return false;
        }

        private Dim parseDim(int end) {
            skipSpaces();
            if (pos >= end) {
                throw error("missing dim");
            }
            char c = src.charAt(pos);
            if (c == '_' && (pos + 1 >= end || !isNamePart(src.charAt(pos + 1)))) {
                pos++;
                return new Wildcard();
            }
            if (c == '*') {
                pos++;
                if (pos < end && isNameStart(src.charAt(pos))) {
                    return new Variadic(name());
                }
                return new Variadic(null);
            }
            if (c == '#') {
                pos++;
                if (pos >= end || !isNameStart(src.charAt(pos))) {
                    throw error("'#' must be followed by a dim name, as in '#N'");
                }
                return new Broadcastable(name());
            }
            return expr(end);
        }

        private Expr expr(int end) {
            Expr left = term(end);
            while (true) {
                skipSpaces();
                if (pos < end && (peek() == '+' || peek() == '-')) {
                    char op = src.charAt(pos++);
                    left = new BinOp(op, left, term(end));
                } else {
                    return left;
                }
            }
        }

        private Expr term(int end) {
            Expr left = factor(end);
            while (true) {
                skipSpaces();
                if (pos < end && peek() == '*') {
                    pos++;
                    left = new BinOp('*', left, factor(end));
                } else {
                    return left;
                }
            }
        }

        private Expr factor(int end) {
            skipSpaces();
            if (pos >= end) {
                throw error("missing dim");
            }
            char c = peek();
            if (Character.isDigit(c)) {
                int start = pos;
                while (pos < end && Character.isDigit(src.charAt(pos))) pos++;
                try {
                    return new Const(Long.parseLong(src.substring(start, pos)));
                } catch (NumberFormatException e) {
                    pos = start;
                    throw error("dim size too large");
                }
            }
            if (isNameStart(c)) {
                return new Sym(name());
            }
            if (c == '(') {
                pos++;
                Expr inner = expr(end);
                skipSpaces();
                expect(')', "')'");
                return inner;
            }
            throw error("unexpected '" + c + "'; a dim is a name (N), a size (3), '_', '*', '*name', '#name' or arithmetic such as C-1");
        }

        private String name() {
            int start = pos;
            while (pos < src.length() && isNamePart(src.charAt(pos))) pos++;
            return src.substring(start, pos);
        }

        private void expect(char c, String what) {
            skipSpaces();
            if (pos >= src.length() || src.charAt(pos) != c) {
                throw error("expected " + what + (pos < src.length() ? " but found '" + src.charAt(pos) + "'" : " but the shape ended"));
            }
            pos++;
        }

        private char peek() {
            return pos < src.length() ? src.charAt(pos) : '\0';
        }

        private void skipSpaces() {
            while (pos < src.length() && src.charAt(pos) == ' ') pos++;
        }

        private ShapeSyntaxException error(String message) {
            return new ShapeSyntaxException(src, pos, message);
        }

        private static boolean isNameStart(char c) {
            return Character.isLetter(c);
        }

        private static boolean isNamePart(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }
    }
}
