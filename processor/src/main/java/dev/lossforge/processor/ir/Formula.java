package dev.lossforge.processor.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An op's derivative written as PyTorch's {@code derivatives.yaml} writes it: one {@code "operand: formula"} per
 * operand, e.g. {@code "x: g * sign(x)"}, turned into graph-building calls when the op is differentiated.
 *
 * <p>A formula names the op's operands, {@code g} (the gradient of its output), {@code out} (its output),
 * {@code noGradient} and the op's {@code let} names; it calls ops by their DSL or internal name, combines them
 * with {@code + - * /} and unary {@code -}, and uses decimal literals. A call to an op that takes dims gets
 * the differentiated op's dims. Arithmetic on two numbers stays a number ({@code s - 1.0} for pow).
 * Formulas are parsed on first use; {@code OpTableTest} parses and runs every one.
 */
final class Formula implements Derivative {
    private final List<String> operands;
    private final String signature;
    private final List<String> lets;
    private final List<String> gradients;
    /** Parsed on first use, not while the op table initialises (volatile: javacs may share this class). */
    private volatile Parsed parsed;

    Formula(List<String> operands, String signature, List<String> lets, List<String> gradients) {
        this.operands = operands;
        this.signature = signature;
        this.lets = lets;
        this.gradients = gradients;
    }

    /** The gradients as written, {@code "x: g * y; y: g * x"}, or null when no operand gets one. */
    String text() {
        return gradients.isEmpty() ? null : String.join("; ", gradients);
    }

    boolean isDifferentiable() {
        return !gradients.isEmpty();
    }

    @Override
    public Node[] vjp(Graph graph, Node out, Node g) {
        Parsed p = parsed();
        Map<String, Node> values = new HashMap<>();
        values.put("g", g);
        values.put("out", out);
        for (int i = 0; i < operands.size(); i++) {
            int arg = argumentIndex(i);
            if (arg >= 0) {
                values.put(operands.get(i), out.arg(arg));
            }
        }
        for (Map.Entry<String, Expr> let : p.lets.entrySet()) {
            values.put(let.getKey(), let.getValue().build(graph, out, values));
        }
        Node[] parts = new Node[out.args().size()];
        for (Map.Entry<Integer, Expr> gradient : p.gradients.entrySet()) {
            parts[gradient.getKey()] = gradient.getValue().build(graph, out, values);
        }
        return parts;
    }

    /** The node argument an operand is, or -1 for a dim (dims are attributes, not arguments). */
    private int argumentIndex(int operand) {
        int arg = 0;
        for (int i = 0; i < operand; i++) {
            arg += isDim(signature.charAt(i)) ? 0 : 1;
        }
        return isDim(signature.charAt(operand)) ? -1 : arg;
    }

    private static boolean isDim(char kind) {
        return kind == 'd' || kind == 'D';
    }

    private Parsed parsed() {
        Parsed p = parsed;
        if (p == null) {
            p = new Parsed(new java.util.LinkedHashMap<>(), new java.util.LinkedHashMap<>());
            for (String let : lets) {
                String[] sides = let.split("=", 2);
                p.lets.put(sides[0].trim(), new Parser(sides[1]).parseAll());
            }
            for (String gradient : gradients) {
                String[] sides = gradient.split(":", 2);
                int operand = operands.indexOf(sides[0].trim());
                if (operand < 0 || argumentIndex(operand) < 0) {
                    throw new IllegalStateException("'" + gradient + "' names no tensor operand of " + operands);
                }
                p.gradients.put(argumentIndex(operand), new Parser(sides[1]).parseAll());
            }
            parsed = p;
        }
        return p;
    }

    private record Parsed(Map<String, Expr> lets, Map<Integer, Expr> gradients) {
    }

    // ------------------------------------------------------------------ the formula's tree

    private sealed interface Expr permits Literal, Name, Call, Arithmetic {
        Node build(Graph graph, Node out, Map<String, Node> values);
    }

    private record Literal(double value) implements Expr {
        public Node build(Graph graph, Node out, Map<String, Node> values) {
            return graph.scalar(value);
        }
    }

    private record Name(String name) implements Expr {
        public Node build(Graph graph, Node out, Map<String, Node> values) {
            if (name.equals("noGradient")) {
                return graph.noGradient();
            }
            Node n = values.get(name);
            if (n == null) {
                throw new IllegalStateException("unknown name '" + name + "' in a derivative formula");
            }
            return n;
        }
    }

    private record Call(Op op, List<Expr> args) implements Expr {
        public Node build(Graph graph, Node out, Map<String, Node> values) {
            Node[] nodes = new Node[args.size()];
            for (int i = 0; i < nodes.length; i++) {
                nodes[i] = args.get(i).build(graph, out, values);
            }
            return graph.op(op, op.emitTemplate().contains("$dim") ? out.dims() : new int[0], nodes);
        }
    }

    /** {@code op} is one of {@code + - * /}, or {@code 'n'} for negation (right is then null). */
    private record Arithmetic(char op, Expr left, Expr right) implements Expr {
        public Node build(Graph graph, Node out, Map<String, Node> values) {
            Node l = left.build(graph, out, values);
            if (op == 'n') {
                return graph.neg(l);
            }
            Node r = right.build(graph, out, values);
            if (l.isScalar() && r.isScalar()) {
                return graph.scalar(new Scalar.Binary(String.valueOf(op), l.scalar(), r.scalar()), null);
            }
            return switch (op) {
                case '+' -> graph.add(l, r);
                case '-' -> graph.sub(l, r);
                case '*' -> graph.mul(l, r);
                default -> graph.div(l, r);
            };
        }
    }

    // ------------------------------------------------------------------ recursive descent over the text

    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        Expr parseAll() {
            Expr e = sum();
            skipSpaces();
            if (at != text.length()) {
                throw error("unexpected '" + text.charAt(at) + "'");
            }
            return e;
        }

        private Expr sum() {
            return leftToRight(true);
        }

        /**
         * Operands joined by {@code + -} (a sum of products) or {@code * /} (a product of unary terms), grouped from
         * the left: {@code a - b - c} is {@code (a - b) - c}.
         */
        private Expr leftToRight(boolean sum) {
            Expr e = sum ? leftToRight(false) : unary();
            while (sum ? peek('+') || peek('-') : peek('*') || peek('/')) {
                char op = text.charAt(at++);
                e = new Arithmetic(op, e, sum ? leftToRight(false) : unary());
            }
            return e;
        }

        private Expr unary() {
            if (peek('-')) {
                at++;
                return new Arithmetic('n', unary(), null);
            }
            if (peek('(')) {
                at++;
                Expr e = sum();
                expect(')');
                return e;
            }
            int start = at;
            if (at < text.length() && Character.isDigit(text.charAt(at))) {
                while (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
                    at++;
                }
                return new Literal(Double.parseDouble(text.substring(start, at)));
            }
            while (at < text.length() && Character.isJavaIdentifierPart(text.charAt(at))) {
                at++;
            }
            if (start == at) {
                throw error("expected a name, a number or '('");
            }
            String name = text.substring(start, at);
            if (!peek('(')) {
                return new Name(name);
            }
            at++;
            Op op = Op.named(name);
            if (op == null) {
                throw error("no op is named '" + name + "'");
            }
            List<Expr> args = new ArrayList<>();
            do {
                args.add(sum());
            } while (peek(',') && at++ >= 0);
            expect(')');
            return new Call(op, args);
        }

        /** Whether the next non-space character is c (spaces are skipped). */
        private boolean peek(char c) {
            skipSpaces();
            return at < text.length() && text.charAt(at) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            at++;
        }

        private void skipSpaces() {
            while (at < text.length() && text.charAt(at) == ' ') {
                at++;
            }
        }

        private IllegalStateException error(String what) {
            return new IllegalStateException(what + " at column " + (at + 1) + " of the derivative formula '" + text.trim() + "'");
        }
    }
}
