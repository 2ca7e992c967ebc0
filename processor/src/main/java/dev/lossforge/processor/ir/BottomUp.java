package dev.lossforge.processor.ir;

import dev.lossforge.processor.shape.SymShape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Rewrites a shape-checked model bottom-up, each node once: a node whose arguments changed is copied over the new
 * ones, then offered to a rule, which returns it or its replacement. A new node has the shape of the one it replaces
 * (the rules are exact rewrites), so shapes and diagnostics keep speaking of what the user wrote.
 */
final class BottomUp {
    private final UnaryOperator<Node> rule;
    private final Map<Node, SymShape> shapes;
    private final Map<Node, Node> done = new IdentityHashMap<>();

    /**
     * @param shapes the shapes of the model's nodes, to which the shape of every replacement is added
     * @param rule given a node whose arguments are already rewritten, the node to use instead (or the node itself)
     */
    BottomUp(Map<Node, SymShape> shapes, UnaryOperator<Node> rule) {
        this.shapes = shapes;
        this.rule = rule;
    }

    LossModel rewrite(LossModel model) {
        return new LossModel(model.packageName(), model.className(), model.declaringType(), model.methodName(),
                model.inputs(), model.options(), rewrite(model.loss()), rewrite(model.meanWeights()), model.result(),
                model.resultTree(), model.bodyLines(), model.optionalBatch(), model.locals().stream().map(this::rewrite).toList(),
                model.valid());
    }

    private Node rewrite(Node n) {
        if (n == null) {
            return null;
        }
        Node cached = done.get(n);
        if (cached != null) {
            return cached;
        }
        List<Node> args = new ArrayList<>();
        boolean changed = false;
        for (Node a : n.args()) {
            Node r = rewrite(a);
            changed |= r != a;
            args.add(r);
        }
        Node rebuilt = changed ? new Node(n.op(), args, n.dims(), n.text(), n.source(), n.nameHint()) : n;
        Node result = rule.apply(rebuilt);
        shapes.putIfAbsent(result, shapes.get(n));
        done.put(n, result);
        return result;
    }
}
