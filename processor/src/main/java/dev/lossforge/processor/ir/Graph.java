package dev.lossforge.processor.ir;

import com.sun.source.tree.Tree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds nodes, sharing equal ones (hash-consing), with the few algebraic simplifications that keep derived
 * gradients short: {@code x*1 = x}, {@code -(-x) = x}. Derivative rules in {@link Op} build through it.
 */
public final class Graph {
    private final Map<Object, Node> nodes = new HashMap<>();

    public Node input(String name, Tree source) {
        return intern(new Node(Op.INPUT, List.of(), new int[0], name, source, name));
    }

    public Node optionTensor(String name, Tree source) {
        return intern(new Node(Op.OPTION_TENSOR, List.of(), new int[0], name, source, name));
    }

    /** A scalar computed from literals and numeric options. */
    public Node scalar(Scalar value, Tree source) {
        return intern(new Node(value, source));
    }

    public Node scalar(double value) {
        return scalar(new Scalar.Literal(formatDouble(value)), null);
    }

    /** The upstream gradient of the unreduced loss: the backward pass's seed. */
    public Node seed() {
        return intern(new Node(Op.SEED, List.of(), new int[0], "gradLoss", null, "gradLoss"));
    }

    public Node apply(Op op, List<Node> args, int[] dims, Tree source, String nameHint) {
        return intern(new Node(op, args, dims, null, source, nameHint));
    }

    /** Re-labels a node with a DSL local's name (the same computation, shown under the user's name). */
    public Node named(Node node, String name) {
        if (node.op() == Op.SCALAR || node.op() == Op.INPUT || node.op() == Op.OPTION_TENSOR) {
            return node;
        }
        Node renamed = new Node(node.op(), node.args(), node.dims(), node.text(), node.source(), name);
        nodes.put(renamed.key(), renamed);
        return renamed;
    }

    public Node op(Op op, Node... args) {
        return simplify(op, List.of(args), new int[0]);
    }

    public Node op(Op op, int[] dims, Node... args) {
        return simplify(op, List.of(args), dims);
    }

    // builders for code that makes nodes directly; derivative rules are formulas in Op (see Formula)
    public Node eq(Node... args) { return op(Op.EQ, args); }

    public Node eq(int[] dims, Node... args) { return op(Op.EQ, dims, args); }

    public Node exp(Node... args) { return op(Op.EXP, args); }

    public Node exp(int[] dims, Node... args) { return op(Op.EXP, dims, args); }

    public Node gatherBackward(Node... args) { return op(Op.GATHER_BACKWARD, args); }

    public Node gatherBackward(int[] dims, Node... args) { return op(Op.GATHER_BACKWARD, dims, args); }

    public Node selectBackward(int[] dims, Node... args) { return op(Op.SELECT_BACKWARD, dims, args); }

    public Node ge(Node... args) { return op(Op.GE, args); }

    public Node ge(int[] dims, Node... args) { return op(Op.GE, dims, args); }

    public Node gt(Node... args) { return op(Op.GT, args); }

    public Node gt(int[] dims, Node... args) { return op(Op.GT, dims, args); }

    public Node le(Node... args) { return op(Op.LE, args); }

    public Node le(int[] dims, Node... args) { return op(Op.LE, dims, args); }

    public Node meanBackward(Node... args) { return op(Op.MEAN_BACKWARD, args); }

    public Node meanBackward(int[] dims, Node... args) { return op(Op.MEAN_BACKWARD, dims, args); }

    public Node pow(Node... args) { return op(Op.POW, args); }

    public Node pow(int[] dims, Node... args) { return op(Op.POW, dims, args); }

    public Node sigmoid(Node... args) { return op(Op.SIGMOID, args); }

    public Node sigmoid(int[] dims, Node... args) { return op(Op.SIGMOID, dims, args); }

    public Node sign(Node... args) { return op(Op.SIGN, args); }

    public Node sign(int[] dims, Node... args) { return op(Op.SIGN, dims, args); }

    public Node logSoftmaxBackward(int[] dims, Node... args) { return op(Op.LOG_SOFTMAX_BACKWARD, dims, args); }

    public Node logSoftmaxPickBackward(int[] dims, Node... args) { return op(Op.LOG_SOFTMAX_PICK_BACKWARD, dims, args); }

    public Node softmax(Node... args) { return op(Op.SOFTMAX, args); }

    public Node softmax(int[] dims, Node... args) { return op(Op.SOFTMAX, dims, args); }

    public Node sum(Node... args) { return op(Op.SUM, args); }

    public Node sum(int[] dims, Node... args) { return op(Op.SUM, dims, args); }

    public Node sumBackward(Node... args) { return op(Op.SUM_BACKWARD, args); }

    public Node sumBackward(int[] dims, Node... args) { return op(Op.SUM_BACKWARD, dims, args); }

    public Node where(Node... args) { return op(Op.WHERE, args); }

    public Node where(int[] dims, Node... args) { return op(Op.WHERE, dims, args); }

    public Node choose(Node... args) { return op(Op.CHOOSE, args); }

    public Node ctcBackward(Node... args) { return op(Op.CTC_BACKWARD, args); }

    public Node multiLabelMarginBackward(Node... args) { return op(Op.MULTILABEL_MARGIN_BACKWARD, args); }

    public Node smoothL1GradInput(Node... args) { return op(Op.SMOOTH_L1_GRAD_INPUT, args); }

    public Node huberGradInput(Node... args) { return op(Op.HUBER_GRAD_INPUT, args); }

    public Node noGradient() { return intern(new Node(Op.NO_GRADIENT, List.of(), new int[0], "null", null, null)); }

    public Node squeeze(int[] dims, Node... args) { return op(Op.SQUEEZE, dims, args); }

    public Node normBackward(int[] dims, Node... args) { return op(Op.NORM_BACKWARD, dims, args); }

    public Node alignVarianceBackward(Node... args) { return op(Op.ALIGN_VARIANCE_BACKWARD, args); }

    public Node scaleAlong(int[] dims, Node... args) { return op(Op.SCALE_ALONG, dims, args); }

    public Node add(Node a, Node b) { return op(Op.ADD, a, b); }

    public Node sub(Node a, Node b) { return op(Op.SUB, a, b); }

    public Node mul(Node a, Node b) { return op(Op.MUL, a, b); }

    public Node div(Node a, Node b) { return op(Op.DIV, a, b); }

    public Node neg(Node a) { return op(Op.NEG, a); }

    private Node simplify(Op op, List<Node> args, int[] dims) {
        if (op == Op.MUL && isOne(args.get(1))) {
            return args.get(0);
        }
        if (op == Op.MUL && isOne(args.get(0))) {
            return args.get(1);
        }
        if (op == Op.NEG && args.get(0).op() == Op.NEG) {
            return args.get(0).arg(0);
        }
        return intern(new Node(op, args, dims, null, null, null));
    }

    private static boolean isOne(Node n) {
        return n.scalar() instanceof Scalar.Literal l && (l.text().equals("1.0") || l.text().equals("1"));
    }

    private Node intern(Node n) {
        return nodes.computeIfAbsent(n.key(), k -> n);
    }

    /** An empty set of nodes compared by identity (nodes of different graphs can be equal as values). */
    public static Set<Node> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /** The nodes reachable from {@code roots}, as an identity set. */
    public static Set<Node> reachableFrom(List<Node> roots) {
        Set<Node> reachable = identitySet();
        reachable.addAll(topologicalOrder(roots));
        return reachable;
    }

    /** Every node reachable from {@code roots}, arguments before their users. */
    public static List<Node> topologicalOrder(List<Node> roots) {
        List<Node> order = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        for (Node r : roots) {
            visit(r, seen, order);
        }
        return order;
    }

    private static void visit(Node n, Map<Node, Boolean> seen, List<Node> order) {
        if (n == null || seen.containsKey(n)) {
            return;
        }
        seen.put(n, true);
        for (Node a : n.args()) {
            visit(a, seen, order);
        }
        order.add(n);
    }

    static String formatDouble(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return ((long) v) + ".0";
        }
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return "Graph" + Arrays.toString(nodes.values().toArray());
    }
}
