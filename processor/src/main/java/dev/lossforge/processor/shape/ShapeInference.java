package dev.lossforge.processor.shape;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Problem;
import dev.lossforge.processor.diag.Reporter;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Phase 2: the symbolic shape of every node, by the op table's shape rules. A node whose argument already
 * failed is skipped (no cascades), so each mistake is reported once, at its own expression.
 */
public final class ShapeInference {

    /**
     * How an index input is used: the dim its values index (a name bound at run time, or null when that
     * dim is not a plain name) and the ignore value, a scalar node (null when none).
     */
    public record IndexUse(String dim, Node ignoreIndex) {
    }

    public record Result(Map<Node, SymShape> shapes, Map<String, IndexUse> indexUses, List<Problem> problems) {
    }

    public static Result infer(LossModel model) {
        Map<Node, SymShape> shapes = new IdentityHashMap<>();
        Map<String, IndexUse> indexUses = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, Input> inputs = new LinkedHashMap<>();
        for (Input in : model.inputs()) {
            inputs.put(in.name(), in);
            shapes.put(in.node(), SymShape.of(in.shape()));
        }
        Map<String, OptionParam> options = new LinkedHashMap<>();
        model.options().forEach(o -> options.put(o.name(), o));
        ShapeRule.Context context = index -> {
            Input in = inputs.get(index.text());
            return in == null ? null : in.indexDomain();
        };

        List<Node> roots = new ArrayList<>(model.locals()); // unused locals are checked too
        roots.add(model.loss());
        if (model.meanWeights() != null) {
            roots.add(model.meanWeights());
        }
        for (Node n : Graph.topologicalOrder(roots)) {
            if (shapes.containsKey(n)) {
                continue;
            }
            switch (n.op()) {
                case SCALAR -> shapes.put(n, SymShape.SCALAR);
                case OPTION_TENSOR -> {
                    OptionParam o = options.get(n.text());
                    shapes.put(n, o.shape() == null ? SymShape.SCALAR : SymShape.of(o.shape()));
                }
                default -> {
                    List<SymShape> argShapes = new ArrayList<>();
                    for (Node a : n.args()) {
                        argShapes.add(shapes.get(a));
                    }
                    if (argShapes.contains(null)) {
                        continue;
                    }
                    try {
                        shapes.put(n, n.op().shapeRule().apply(n, argShapes, context));
                        recordIndexUse(n, argShapes, indexUses);
                    } catch (ShapeError e) {
                        problems.add(Problem.at(culprit(n, e), e.getMessage(), operandLines(n, argShapes, model, e.hint() != null), e.hint()));
                    }
                }
            }
        }
        SymShape result = shapes.get(model.loss());
        if (result != null && model.result() != null) {
            SymShape declared = SymShape.of(model.result());
            if (!ShapeRules.matchesDeclared(declared, result)) {
                problems.add(Problem.onAnnotation(null, "Loss", "result",
                        Diag.RESULT, result, model.result().source(), declared));
            }
        }
        return new Result(shapes, indexUses, problems);
    }

    private static void recordIndexUse(Node n, List<SymShape> argShapes, Map<String, IndexUse> uses) throws ShapeError {
        if (n.op() == Op.GATHER) {
            String dim = ShapeRules.dimAt(argShapes.get(0), ShapeRules.locate(argShapes.get(0), n.dims()[0]));
            uses.putIfAbsent(n.arg(1).text(), new IndexUse(isName(dim) ? dim : null, ignoreOf(n.arg(2))));
        } else if (n.op() == Op.TAKE) {
            List<String> w = argShapes.get(0).dims();
            String dim = w.size() == 1 ? w.get(0) : null;
            uses.putIfAbsent(n.arg(1).text(), new IndexUse(dim != null && isName(dim) ? dim : null, ignoreOf(n.arg(2))));
        }
    }

    /**
     * The expression to put the caret under: the dim argument a dim error is about, the index a gather
     * refuses, the weights a take refuses; else the call itself.
     */
    private static Tree culprit(Node n, ShapeError e) {
        Tree call = n.source();
        if (!(call instanceof MethodInvocationTree)) {
            return call;
        }
        String sig = n.op().signature();
        int firstDim = Math.max(sig.indexOf('d'), sig.indexOf('D'));
        int[] dims = n.dims();
        if (e.dim() != null && firstDim >= 0) {
            int k = e.dimIndex();
            for (int i = 0; k < 0 && i < dims.length; i++) {
                if (dims[i] == e.dim()) {
                    k = i;
                }
            }
            return argument((MethodInvocationTree) call, n.op(), firstDim + Math.max(k, 0));
        }
        if (n.op() == Op.GATHER && e.diag() == Diag.INDEX_DOMAIN && firstDim >= 0) {
            return argument((MethodInvocationTree) call, n.op(), firstDim);
        }
        if (n.op() == Op.GATHER && e.diag() == Diag.GATHER_INDEX_SHAPE) {
            return argument((MethodInvocationTree) call, n.op(), sig.indexOf('I'));
        }
        if (n.op() == Op.TAKE) {
            return argument((MethodInvocationTree) call, n.op(), 0);
        }
        return call;
    }

    /** The call's argument at signature position {@code i} (a Tensor method's receiver is position 0). */
    private static Tree argument(MethodInvocationTree call, Op op, int i) {
        List<? extends ExpressionTree> args = call.getArguments();
        if (op.isTensorMethod()) {
            if (i == 0) {
                return call.getMethodSelect() instanceof MemberSelectTree ms ? ms.getExpression() : call;
            }
            i--;
        }
        return i >= 0 && i < args.size() ? args.get(i) : call;
    }

    private static Node ignoreOf(Node scalar) {
        return "Long.MIN_VALUE".equals(scalar.text()) ? null : scalar;
    }

    private static boolean isName(String dim) {
        return dim.matches("[A-Za-z][A-Za-z0-9_]*");
    }

    /** The indented lines under a shape error: each tensor operand with its shape and where it came from. */
    private static List<String> operandLines(Node n, List<SymShape> argShapes, LossModel model, boolean hinted) {
        List<String> lines = new ArrayList<>();
        int width = 0;
        List<String> labels = new ArrayList<>();
        for (Node a : n.args()) {
            labels.add(label(a));
            if (a.op() != Op.SCALAR) {
                width = Math.max(width, labels.get(labels.size() - 1).length());
            }
        }
        if (hinted) {
            width = Math.max(width, Reporter.HINT_LABEL.indexOf(':') - 1); // keeps the hint's ':' aligned with the operands
        }
        int shapeWidth = 0;
        for (int i = 0; i < n.args().size(); i++) {
            if (n.arg(i).op() != Op.SCALAR) {
                shapeWidth = Math.max(shapeWidth, argShapes.get(i).toString().length());
            }
        }
        for (int i = 0; i < n.args().size(); i++) {
            Node a = n.args().get(i);
            if (a.op() == Op.SCALAR) {
                continue;
            }
            String origin = origin(a, model);
            String line = String.format("%-" + width + "s : %-" + shapeWidth + "s%s", labels.get(i), argShapes.get(i), origin);
            lines.add(line.stripTrailing());
        }
        return lines;
    }

    private static String label(Node a) {
        if (a.text() != null) {
            return a.text();
        }
        if (a.nameHint() != null) {
            return a.nameHint();
        }
        Tree t = a.source();
        String text = t == null ? a.op().name().toLowerCase() : t.toString();
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }

    private static boolean hasShapeAnnotation(Tree parameter) {
        return parameter instanceof VariableTree v && v.getModifiers().getAnnotations().stream()
                .anyMatch(an -> an.getAnnotationType().toString().equals("Shape") || an.getAnnotationType().toString().endsWith(".Shape"));
    }

    private static String origin(Node a, LossModel model) {
        if (a.op() == Op.OPTION_TENSOR) {
            OptionParam o = model.options().stream().filter(p -> p.name().equals(a.text())).findFirst().orElse(null);
            return o == null || o.shape() == null ? "" : "   from @Shape(\"" + o.shape().source() + "\")";
        }
        if (a.op() != Op.INPUT) {
            return "";
        }
        List<Input> inputs = model.inputs();
        int i = inputs.indexOf(inputs.stream().filter(in -> in.node() == a).findFirst().orElse(null));
        // the second input's shape is @Loss(target) unless the target is empty and it has its own @Shape
        String attribute = i == 0 ? "@Loss(pred = \"" : i == 1 && !hasShapeAnnotation(a.source()) ? "@Loss(target = \"" : "@Shape(\"";
        String shape = inputs.get(i).shape().source();
        return "   from " + attribute + shape + "\")";
    }
}
