package dev.lossforge.processor.ir;

import com.sun.source.tree.Tree;
import java.util.Arrays;
import java.util.List;

/**
 * One immutable node of a loss's expression graph. Leaves are inputs, tensor options and scalars; every
 * other node applies an {@link Op} to its arguments. Nodes are hash-consed by {@link Graph}, so equal
 * sub-expressions are one node and are computed once.
 */
public final class Node {
    private final Op op;
    private final List<Node> args;
    private final int[] dims;
    private final String text;
    private final Tree source;
    private final String nameHint;
    private final Scalar scalar;

    Node(Op op, List<Node> args, int[] dims, String text, Tree source, String nameHint) {
        this(op, args, dims, text, source, nameHint, null);
    }

    /** A SCALAR leaf. */
    Node(Scalar scalar, Tree source) {
        this(Op.SCALAR, List.of(), new int[0], scalar.toString(), source, null, scalar);
    }

    private Node(Op op, List<Node> args, int[] dims, String text, Tree source, String nameHint, Scalar scalar) {
        this.op = op;
        this.args = List.copyOf(args);
        this.dims = dims.clone();
        this.text = text;
        this.source = source;
        this.nameHint = nameHint;
        this.scalar = scalar;
    }

    public Op op() {
        return op;
    }

    public List<Node> args() {
        return args;
    }

    public Node arg(int i) {
        return args.get(i);
    }

    /** Integer attributes: the dims of a reduction, softmax or gather. */
    public int[] dims() {
        return dims.clone();
    }

    /** For a SCALAR, its value; else null. */
    public Scalar scalar() {
        return scalar;
    }

    /** For a SCALAR, its Java text ({@code Scalar.toString()}); for an INPUT or OPTION_TENSOR, the parameter's name; else null. */
    public String text() {
        return text;
    }

    /** The DSL expression this node was parsed from, for diagnostics and comments; null for derived nodes. */
    public Tree source() {
        return source;
    }

    /** A name for the generated local: the DSL local it was assigned to, if any. */
    public String nameHint() {
        return nameHint;
    }

    public boolean isScalar() {
        return op == Op.SCALAR;
    }

    Object key() {
        return Arrays.asList(op, args.stream().map(System::identityHashCode).toList(), Arrays.toString(dims), text);
    }

    @Override
    public String toString() {
        if (text != null) {
            return text;
        }
        return op.name().toLowerCase() + args + (dims.length > 0 ? Arrays.toString(dims) : "");
    }
}
