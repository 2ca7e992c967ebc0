package dev.lossforge.processor.ir;

import dev.lossforge.processor.shape.SymShape;
import java.util.List;
import java.util.Map;

/**
 * Rewrites of a shape-checked model into cheaper equivalents, before it is differentiated. They run after shape
 * inference (and after {@link StabilityRewrites}), so diagnostics always speak of what the user wrote. One rule so far:
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
        Map<Node, SymShape> newShapes = new java.util.HashMap<>(shapes);
        BottomUp rewriter = new BottomUp(newShapes, n -> n.op() == Op.GATHER && n.arg(0).op() == Op.LOG_SOFTMAX
                && java.util.Arrays.equals(n.dims(), n.arg(0).dims())
                ? new Node(Op.LOG_SOFTMAX_PICK, List.of(n.arg(0).arg(0), n.arg(1), n.arg(2)), n.dims(), n.text(), n.source(), n.nameHint())
                : n);
        LossModel rewritten = rewriter.rewrite(model);
        return new Result(rewritten, newShapes);
    }
}
