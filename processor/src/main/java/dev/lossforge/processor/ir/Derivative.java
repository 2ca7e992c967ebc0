package dev.lossforge.processor.ir;

/**
 * An op's derivative rule: the vector-Jacobian product for each argument, given the gradient {@code g} of
 * the op's output. Returns one node per argument, null where the argument gets no gradient.
 * Broadcast arguments get the full-shape gradient; the differentiator sums it back to the argument's shape.
 */
@FunctionalInterface
public interface Derivative {
    Node[] vjp(Graph graph, Node out, Node g);
}
