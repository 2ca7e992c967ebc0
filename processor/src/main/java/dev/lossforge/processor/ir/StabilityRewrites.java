package dev.lossforge.processor.ir;

import com.sun.source.tree.Tree;
import com.sun.source.tree.TreeVisitor;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Problem;
import dev.lossforge.processor.shape.SymShape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the textbook forms that overflow or lose digits into exact, stable equivalents, and warns where no
 * exact rewrite exists. It runs after shape checking (so shapes and diagnostics speak of what the user wrote) and
 * before differentiation (so the derived gradient is the stable form's too). Each rewrite is a
 * {@code [lossforge.stability]} warning at the user's expression, and the rewritten node quotes both forms, so the
 * generated code's step comment reads {@code log(sigmoid(x)) rewritten as logSigmoid(x)}.
 *
 * <table>
 * <caption>The rewrites (each exact in real arithmetic)</caption>
 * <tr><td>{@code log(softmax(x, d))}</td><td>{@code logSoftmax(x, d)}</td></tr>
 * <tr><td>{@code log(sigmoid(x))}</td><td>{@code logSigmoid(x)} ({@code = -softplus(-x)}, without softplus's threshold)</td></tr>
 * <tr><td>{@code log(1 - sigmoid(x))}</td><td>{@code logSigmoid(x.neg())} ({@code = -softplus(x)})</td></tr>
 * <tr><td>{@code log(1 + u)}, {@code log(u + 1)}</td><td>{@code log1p(u)}</td></tr>
 * <tr><td>{@code log(1 - u)}</td><td>{@code log1p(u.neg())}</td></tr>
 * <tr><td>{@code log(sum(exp(x), d))}</td><td>{@code logsumexp(x, d)}</td></tr>
 * <tr><td>{@code log(exp(x))}</td><td>{@code x}</td></tr>
 * <tr><td>{@code exp(u) - 1}</td><td>{@code expm1(u)}</td></tr>
 * <tr><td>{@code sqrt(square(x))}, {@code sqrt(x.pow(2))}, {@code sqrt(x.mul(x))}</td><td>{@code abs(x)}</td></tr>
 * </table>
 *
 * <p>Where no rewrite is exact, a warning with a hint: {@code sqrt}, {@code log}, a power below 1 or a division
 * of a value that is obviously able to be exactly 0 (a square, an absolute value, a relu, a norm, a clamp at 0, or
 * sums and products of those). Anything else, an input or a value with an eps added, is left alone: the check is
 * conservative, so that it never warns about a loss written with care.
 */
public final class StabilityRewrites {
    private StabilityRewrites() {
    }

    /** The rewritten model, the shapes of its nodes (a new node has the shape of the one it replaces), and the warnings. */
    public record Result(LossModel model, Map<Node, SymShape> shapes, List<Problem> warnings) {
    }

    public static Result apply(LossModel model, Map<Node, SymShape> shapes) {
        Rewriter r = new Rewriter(new HashMap<>(shapes));
        LossModel rewritten = new BottomUp(r.shapes, r::stabilise).rewrite(model);
        // the hazards are looked for in the rewritten graph: sqrt(square(x)), now abs(x), has none
        List<Node> roots = new ArrayList<>(rewritten.locals());
        roots.add(rewritten.loss());
        roots.add(rewritten.meanWeights());
        for (Node n : Graph.topologicalOrder(roots)) {
            r.warnIfZeroIsHazardous(n);
        }
        return new Result(rewritten, r.shapes, r.warnings);
    }

    /**
     * What a rewritten node quotes in comments: the user's expression and the stable form it became. Only its text
     * is ever read (the generated code's step comment); diagnostics are put at the user's own trees.
     */
    record RewrittenSource(String written, String stable) implements Tree {
        @Override
        public Kind getKind() {
            return Kind.OTHER;
        }

        @Override
        public <R, D> R accept(TreeVisitor<R, D> visitor, D data) {
            return visitor.visitOther(this, data);
        }

        @Override
        public String toString() {
            return written + " rewritten as " + stable;
        }
    }

    /** A stable replacement: the node, how to write it in the DSL, and why the written form fails. */
    private record Stable(Node node, String dsl, String why) {
    }

    private static final class Rewriter {
        /** The shapes of every node, the new ones included. */
        final Map<Node, SymShape> shapes;
        final List<Problem> warnings = new ArrayList<>();
        /** The nodes this rewriter made, by {@link Node#key()}: log(1 + t) and log(t + 1) become one log1p(t). */
        private final Map<Object, Node> made = new HashMap<>();
        /** Trees already warned about: hash-consing and DSL locals can reach one expression through two nodes. */
        private final Set<Tree> warnedAt = Collections.newSetFromMap(new IdentityHashMap<>());

        Rewriter(Map<Node, SymShape> shapes) {
            this.shapes = shapes;
        }

        /** n's stable form, reported at n's expression, or n itself (n's arguments are already rewritten). */
        Node stabilise(Node n) {
            Stable stable = stableForm(n);
            if (stable == null) {
                return n;
            }
            warn(n.source(), Diag.STABILITY_REWRITE, written(n), stable.dsl(), stable.why());
            return stable.node();
        }

        /** The exact stable form of {@code n} (whose arguments are already rewritten), or null. */
        private Stable stableForm(Node n) {
            if (n.op() == Op.LOG) {
                Node u = n.arg(0);
                if (u.op() == Op.SOFTMAX) {
                    return stable(n, Op.LOG_SOFTMAX, u.dims(), "logSoftmax(" + text(u.arg(0)) + ", " + u.dims()[0] + ")",
                            "softmax underflows to 0 when the logits are far apart (by 104 in float32), and its log is -Infinity",
                            u.arg(0));
                }
                if (u.op() == Op.SIGMOID) {
                    return stable(n, Op.LOG_SIGMOID, new int[0], "logSigmoid(" + text(u.arg(0)) + ")",
                            "sigmoid underflows to 0 below -104 in float32 (-745 in float64), and its log is -Infinity", u.arg(0));
                }
                if (u.op() == Op.SUB && isOne(u.arg(0)) && u.arg(1).op() == Op.SIGMOID) {
                    Node x = u.arg(1).arg(0);
                    return stable(n, Op.LOG_SIGMOID, new int[0], "logSigmoid(" + receiver(x) + ".neg())",
                            "1 - sigmoid rounds to 0 above 17 in float32 (37 in float64), and its log is -Infinity", derived(Op.NEG, x));
                }
                Node plusOne = u.op() == Op.ADD ? otherThanOne(u) : null;
                if (plusOne != null) {
                    return stable(n, Op.LOG1P, new int[0], "log1p(" + text(plusOne) + ")",
                            "1 + u rounds away every digit of a small u (below 6e-8 in float32, 1e-16 in float64)", plusOne);
                }
                if (u.op() == Op.SUB && isOne(u.arg(0)) && !u.arg(1).isScalar()) {
                    Node v = u.arg(1);
                    return stable(n, Op.LOG1P, new int[0], "log1p(" + receiver(v) + ".neg())",
                            "1 - u rounds away every digit of a small u (below 6e-8 in float32, 1e-16 in float64)", derived(Op.NEG, v));
                }
                if (u.op() == Op.SUM && u.dims().length == 1 && u.arg(0).op() == Op.EXP) {
                    Node x = u.arg(0).arg(0);
                    return stable(n, Op.LOGSUMEXP, u.dims(), "logsumexp(" + text(x) + ", " + u.dims()[0] + ")",
                            "exp overflows to Infinity above 88 in float32 (709 in float64)", x);
                }
                if (u.op() == Op.EXP) {
                    return new Stable(u.arg(0), text(u.arg(0)), "exp overflows to Infinity above 88 in float32 (709 in float64)");
                }
            }
            if (n.op() == Op.SUB && n.arg(0).op() == Op.EXP && isOne(n.arg(1))) {
                Node u = n.arg(0).arg(0);
                return stable(n, Op.EXPM1, new int[0], "expm1(" + text(u) + ")",
                        "exp(u) - 1 cancels every digit of a small u (below 6e-8 in float32, 1e-16 in float64)", u);
            }
            if (n.op() == Op.SQRT && squared(n.arg(0)) != null) {
                Node x = squared(n.arg(0));
                return stable(n, Op.ABS, new int[0], "abs(" + text(x) + ")",
                        "the square overflows above 1.8e19 in float32, and the gradient of sqrt is NaN at 0", x);
            }
            return null;
        }

        /** x when u is x squared: square(x), x.pow(2) or x.mul(x). */
        private static Node squared(Node u) {
            if (u.op() == Op.SQUARE) {
                return u.arg(0);
            }
            if (u.op() == Op.POW && Double.valueOf(2.0).equals(constant(u.arg(1)))) {
                return u.arg(0);
            }
            return u.op() == Op.MUL && u.arg(0) == u.arg(1) && !u.arg(0).isScalar() ? u.arg(0) : null;
        }

        /** The tensor operand of {@code 1 + u} or {@code u + 1}, or null. */
        private static Node otherThanOne(Node add) {
            if (isOne(add.arg(0)) && !add.arg(1).isScalar()) {
                return add.arg(1);
            }
            return isOne(add.arg(1)) && !add.arg(0).isScalar() ? add.arg(0) : null;
        }

        private Stable stable(Node replaced, Op op, int[] dims, String dsl, String why, Node argument) {
            Node node = made(new Node(op, List.of(argument), dims, null, new RewrittenSource(written(replaced), dsl), replaced.nameHint()));
            shapes.put(node, shapes.get(replaced));
            return new Stable(node, dsl, why);
        }

        /** A node the stable form needs inside it (the x.neg() of logSigmoid(x.neg())), with x's shape. */
        private Node derived(Op op, Node x) {
            Node node = made(new Node(op, List.of(x), new int[0], null, null, null));
            shapes.put(node, shapes.get(x));
            return node;
        }

        private Node made(Node node) {
            return this.made.computeIfAbsent(node.key(), k -> node);
        }

        // ------------------------------------------------------------------ warnings where no rewrite is exact

        void warnIfZeroIsHazardous(Node n) {
            if (!(n.source() instanceof RewrittenSource) && n.source() != null) {
                Node u = n.args().isEmpty() ? null : n.arg(0);
                if (n.op() == Op.SQRT && canBeZero(u)) {
                    warnAtZero(n, u, "the gradient of sqrt is infinite", "sqrt(" + receiver(u) + ".add(1e-12))");
                } else if (n.op() == Op.POW && isBetweenZeroAndOne(constant(n.arg(1))) && canBeZero(u)) {
                    String power = ".pow(" + n.arg(1).text() + ")";
                    warnAtZero(n, u, "the gradient of " + receiver(u) + power + " is infinite", receiver(u) + ".add(1e-12)" + power);
                } else if (n.op() == Op.LOG && canBeZero(u)) {
                    warnAtZero(n, u, "log is -Infinity and its gradient infinite", "log(" + receiver(u) + ".add(1e-12))");
                } else if (n.op() == Op.DIV && canBeZero(n.arg(1))) {
                    Node divisor = n.arg(1);
                    warnAtZero(n, divisor, "dividing by it gives Infinity or NaN", ".div(" + receiver(divisor) + ".add(1e-12))");
                }
            }
        }

        private void warnAtZero(Node n, Node zero, String consequence, String withEps) {
            warn(n.source(), Diag.STABILITY_HAZARD, text(zero), consequence, withEps);
        }

        /**
         * Whether n is obviously non-negative and able to be exactly 0: a square, an absolute value, a relu, a
         * norm, a clamp at 0, an even power, a square root of one, or sums, means, maxima and products of those.
         * A value with a constant added, an input, or anything less obvious is not.
         */
        private static boolean canBeZero(Node n) {
            return switch (n.op()) {
                case SQUARE, ABS, RELU, NORM -> true;
                case POW -> isEvenPositive(constant(n.arg(1)));
                case CLAMP_MIN, CLAMP -> Double.valueOf(0.0).equals(constant(n.arg(1)));
                case SQRT, SUM, MEAN, AMAX -> canBeZero(n.arg(0));
                case ADD -> canBeZero(n.arg(0)) && canBeZero(n.arg(1));
                case MUL -> canBeZero(n.arg(0)) && (canBeZero(n.arg(1)) || isPositive(constant(n.arg(1))))
                        || canBeZero(n.arg(1)) && isPositive(constant(n.arg(0)));
                case DIV -> canBeZero(n.arg(0)) && isPositive(constant(n.arg(1)));
                default -> false;
            };
        }

        private static boolean isEvenPositive(Double v) {
            return v != null && v > 0 && v % 2 == 0;
        }

        private static boolean isPositive(Double v) {
            return v != null && v > 0;
        }

        private static boolean isBetweenZeroAndOne(Double v) {
            return v != null && v > 0 && v < 1;
        }

        // ------------------------------------------------------------------ text and numbers

        private void warn(Tree at, Diag diag, Object... args) {
            if (at != null && warnedAt.add(at)) {
                warnings.add(Problem.at(at, diag, args));
            }
        }

        /** How the user wrote n: its source expression (a local's initializer is named by the local). */
        private static String written(Node n) {
            return n.source() instanceof RewrittenSource r ? r.written() : n.source() != null ? n.source().toString() : text(n);
        }

        /** How to name n inside a DSL expression: an input's or local's name, else its expression. */
        private static String text(Node n) {
            if (n.op() == Op.INPUT || n.op() == Op.OPTION_TENSOR || n.op() == Op.SCALAR) {
                return n.text();
            }
            if (n.nameHint() != null) {
                return n.nameHint();
            }
            if (n.source() instanceof RewrittenSource r) {
                return r.stable();
            }
            return n.source() != null ? n.source().toString() : n.toString();
        }

        /** n as the receiver of a Tensor method: a name or a call as it is, else in parentheses. */
        private static String receiver(Node n) {
            String t = text(n);
            return t.matches("[\\w.()\\[\\], ]*") ? t : "(" + t + ")";
        }

        private static boolean isOne(Node n) {
            return Double.valueOf(1.0).equals(constant(n));
        }

        /** The value of a scalar written as a numeric literal ({@code 1}, {@code 1.0}, {@code 1e0}, {@code 1.0f}), else null. */
        static Double constant(Node n) {
            if (n.op() != Op.SCALAR || n.text() == null) {
                return null;
            }
            String literal = n.text().replaceAll("[()\\s]", "").replaceAll("[dDfFlL]$", "");
            try {
                return Double.parseDouble(literal);
            } catch (NumberFormatException notALiteral) {
                return null; // an option or an expression: its value is not known at compile time
            }
        }
    }
}
