package dev.lossforge.processor.ir;

import dev.lossforge.processor.shape.SymShape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites of a shape-checked model into cheaper equivalents, before it is differentiated. They run after shape
 * inference, so diagnostics always speak of what the user wrote. One rule so far:
 *
 * <ul>
 * <li>{@code gather(logSoftmax(x, d), d, index, ignore)} becomes {@link Op#LOG_SOFTMAX_PICK}: cross-entropy's
 * picked log-probabilities, computed row by row from {@code x} without writing the whole log-softmax, and
 * differentiated as {@code g (onehot - softmax)} in one pass. A {@code logSoftmax} used elsewhere too (label
 * smoothing's branch) stays, and is computed only where that use is.</li>
 * </ul>
 */
public final class Rewrites {
    private Rewrites() {
    }

    /** The rewritten model and the shapes of its nodes (a new node has the shape of the one it replaces). */
    public record Result(LossModel model, Map<Node, SymShape> shapes) {
    }

    public static Result apply(LossModel model, Map<Node, SymShape> shapes) {
        Map<Node, SymShape> newShapes = new HashMap<>(shapes);
        Map<Node, Node> done = new IdentityHashMap<>();
        java.util.function.Function<Node, Node> rewrite = new java.util.function.Function<>() {
            @Override
            public Node apply(Node n) {
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
                    Node r = apply(a);
                    changed |= r != a;
                    args.add(r);
                }
                Node result = n;
                if (n.op() == Op.GATHER && n.arg(0).op() == Op.LOG_SOFTMAX
                        && java.util.Arrays.equals(n.dims(), n.arg(0).dims())) {
                    result = new Node(Op.LOG_SOFTMAX_PICK, List.of(args.get(0).arg(0), args.get(1), args.get(2)), n.dims(),
                            n.text(), n.source(), n.nameHint());
                } else if (changed) {
                    result = new Node(n.op(), args, n.dims(), n.text(), n.source(), n.nameHint());
                }
                if (result != n) {
                    newShapes.put(result, shapes.get(n));
                }
                done.put(n, result);
                return result;
            }
        };
        LossModel rewritten = new LossModel(model.packageName(), model.className(), model.declaringType(), model.methodName(),
                model.inputs(), model.options(), rewrite.apply(model.loss()), rewrite.apply(model.meanWeights()), model.result(),
                model.resultTree(), model.bodyLines(), model.optionalBatch(), model.locals().stream().map(rewrite).toList(),
                model.valid());
        return new Result(rewritten, newShapes);
    }
}
