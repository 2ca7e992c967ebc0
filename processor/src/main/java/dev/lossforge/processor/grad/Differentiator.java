package dev.lossforge.processor.grad;

import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.shape.ShapeRules;
import dev.lossforge.processor.shape.SymShape;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phase 3: reverse-mode differentiation of the unreduced loss. Starting from the seed (the gradient of the
 * unreduced loss, which the generated class derives from the reduction), it walks the graph backwards,
 * applying each op's derivative rule from the op table and summing the contributions of shared nodes.
 * Only nodes that depend on a differentiable input get a gradient.
 */
public final class Differentiator {
    /**
     * The gradient of each differentiable input, by name; every node in the result is built in one graph.
     *
     * @param gradientOf for naming: which forward node each accumulated gradient belongs to
     */
    public record Result(Map<String, Node> inputGradients, Map<Node, Node> gradientOf, boolean mayBeNull) {
    }

    public static Result differentiate(LossModel model, Map<Node, SymShape> shapes) {
        Graph graph = new Graph();
        List<Node> order = Graph.topologicalOrder(List.of(model.loss()));
        Map<Node, Boolean> live = dependsOnDifferentiableInput(order, model);

        Map<Node, Node> grads = new IdentityHashMap<>();
        grads.put(model.loss(), graph.seed());
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            Node g = grads.get(n);
            if (g == null || n.op().derivative() == null) {
                continue;
            }
            Node[] parts = n.op().derivative().vjp(graph, n, g);
            for (int k = 0; k < n.args().size(); k++) {
                Node arg = n.arg(k);
                if (parts[k] == null || !live.getOrDefault(arg, false)) {
                    continue;
                }
                Node part = parts[k];
                if (!n.op().gradientsInArgumentShapes() && !sameShape(shapes.get(arg), shapes.get(n))) {
                    part = graph.op(Op.SUM_TO, part, arg);
                }
                Node sum = grads.get(arg);
                grads.put(arg, sum == null ? part : graph.add(sum, part));
            }
        }

        Map<String, Node> inputGradients = new LinkedHashMap<>();
        Map<Node, Node> gradientOf = new IdentityHashMap<>();
        for (Input in : model.inputs()) {
            if (!in.differentiable()) {
                continue;
            }
            Node g = grads.get(in.node());
            inputGradients.put(in.name(), g == null ? graph.op(Op.ZEROS_LIKE, in.node()) : g);
        }
        // in topological order, so that a gradient shared by several nodes is always named after the same one
        for (Node forward : order) {
            Node g = grads.get(forward);
            if (g != null) {
                gradientOf.putIfAbsent(g, forward);
            }
        }
        boolean branches = order.stream().anyMatch(n -> n.op() == Op.CHOOSE);
        return new Result(inputGradients, gradientOf, branches);
    }

    private static boolean sameShape(SymShape a, SymShape b) {
        return a != null && b != null && ShapeRules.sameShape(a, b);
    }

    private static Map<Node, Boolean> dependsOnDifferentiableInput(List<Node> order, LossModel model) {
        Map<Node, Boolean> live = new IdentityHashMap<>();
        for (Input in : model.inputs()) {
            live.put(in.node(), in.differentiable());
        }
        for (Node n : order) {
            if (!live.containsKey(n)) {
                live.put(n, n.args().stream().anyMatch(a -> live.getOrDefault(a, false)));
            }
        }
        return live;
    }
}
