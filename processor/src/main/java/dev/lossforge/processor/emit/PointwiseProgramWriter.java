package dev.lossforge.processor.emit;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.NameAllocator;
import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.runtime.fused.PointwiseOp;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * The fused fast path of a loss whose every op, forward and backward, is pointwise: the loss and its gradients
 * as one {@code PointwiseProgram} (a static constant of the generated class, one step per line with the DSL
 * expression it computes), and the call that runs it before the general ND4J-op code. A loss with a
 * reduction inside, indices, weights for MEAN or an unbatched form gets no program ({@link #of} gives null).
 */
final class PointwiseProgramWriter {
    static final ClassName PROGRAM = ClassName.get("dev.lossforge.runtime.fused", "PointwiseProgram");
    static final ClassName POINTWISE_OP = ClassName.get("dev.lossforge.runtime.fused", "PointwiseOp");

    private final LossModel model;
    private final Differentiator.Result gradients;
    private final String field;
    /** The program's name for each node it computes or reads. */
    private final Map<Node, String> names = new IdentityHashMap<>();
    /** Java numbers and boolean conditions the program takes at run time, by program name. */
    private final Map<String, String> scalars = new LinkedHashMap<>();
    private final List<Node> steps = new ArrayList<>();
    /** Checks the general path runs before an op (BCE's probabilities), run before the program too. */
    private final List<Node> preconditions = new ArrayList<>();

    private PointwiseProgramWriter(LossModel model, Differentiator.Result gradients, String field) {
        this.model = model;
        this.gradients = gradients;
        this.field = field;
    }

    /** The fused program for this declaration, or null when some op or input is not pointwise. */
    static PointwiseProgramWriter of(LossModel model, Differentiator.Result gradients, String field) {
        if (model.optionalBatch() != null || model.meanWeights() != null || model.inputs().stream().anyMatch(Input::index)) {
            return null;
        }
        PointwiseProgramWriter writer = new PointwiseProgramWriter(model, gradients, field);
        return writer.plan() ? writer : null;
    }

    private List<Node> roots() {
        List<Node> roots = new ArrayList<>();
        roots.add(model.loss());
        for (Input in : model.inputs()) {
            Node g = gradients.inputGradients().get(in.name());
            if (in.differentiable() && g != null) {
                roots.add(g);
            }
        }
        return roots;
    }

    private boolean plan() {
        NameAllocator allocator = new NameAllocator();
        for (String reserved : List.of("none", "gradLoss")) {
            allocator.newName(reserved, reserved);
        }
        for (Input in : model.inputs()) {
            names.put(in.node(), allocator.newName(in.name(), in.node()));
        }
        java.util.Set<Node> outsideBranches = forwardOutsideBranches();
        for (Node n : Graph.topologicalOrder(roots())) {
            switch (n.op()) {
                case INPUT:
                    break;
                case OPTION_TENSOR:
                    names.put(n, allocator.newName(n.text(), n));
                    break;
                case SEED:
                    names.put(n, "gradLoss");
                    break;
                case NO_GRADIENT:
                    names.put(n, "none");
                    break;
                case SCALAR:
                    names.put(n, scalar(n.text(), allocator));
                    break;
                case SUM_TO:
                    // every tensor of a fused call has the loop's shape: summing back to an operand's shape is nothing
                    names.put(n, names.get(n.arg(0)));
                    break;
                case CHOOSE:
                    scalar(n.arg(0).text(), allocator);
                    names.put(n, allocator.newName(localName(n), n));
                    steps.add(n);
                    break;
                default:
                    if (PointwiseOp.byName(n.op().name()) == null) {
                        return false;
                    }
                    if (n.op().precondition() != null) {
                        // checked up front on leaves, so never inside a ?: branch, which may not be taken
                        if (!outsideBranches.contains(n)
                                || n.args().stream().anyMatch(a -> a.op() != Op.INPUT && a.op() != Op.OPTION_TENSOR && a.op() != Op.SCALAR)) {
                            return false;
                        }
                        preconditions.add(n);
                    }
                    names.put(n, allocator.newName(localName(n), n));
                    steps.add(n);
            }
        }
        return true;
    }

    /** The forward nodes computed whatever the options: reachable from the loss without entering a ?: branch. */
    private java.util.Set<Node> forwardOutsideBranches() {
        java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(model.loss()));
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.add(n) && n.op() != Op.CHOOSE) {
                todo.addAll(n.args());
            }
        }
        return seen;
    }

    /** A number stays a literal; another Java expression becomes a named run-time scalar. */
    private String scalar(String text, NameAllocator allocator) {
        String trimmed = text.trim();
        if (trimmed.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?")) {
            return trimmed.contains(".") || trimmed.contains("e") || trimmed.contains("E") ? trimmed : trimmed + ".0";
        }
        for (Map.Entry<String, String> e : scalars.entrySet()) {
            if (e.getValue().equals(trimmed)) {
                return e.getKey();
            }
        }
        java.util.regex.Matcher field = java.util.regex.Pattern.compile("\\(?this\\.(\\w+)\\)?").matcher(trimmed);
        String name = allocator.newName(field.matches() ? field.group(1) : "scalar", trimmed);
        scalars.put(name, trimmed);
        return name;
    }

    private String localName(Node n) {
        if (n.nameHint() != null) {
            return n.nameHint();
        }
        Node forward = gradients.gradientOf().get(n);
        if (forward != null) {
            String of = forward == model.loss() ? "loss" : forward.op() == Op.INPUT ? forward.text()
                    : names.containsKey(forward) ? names.get(forward) : LossWriter.camelName(forward.op());
            return "grad" + Character.toUpperCase(of.charAt(0)) + of.substring(1);
        }
        return LossWriter.camelName(n.op());
    }

    private List<String> tensorOptions() {
        return model.options().stream().filter(OptionParam::isTensor).map(OptionParam::name).toList();
    }

    /** The program constant, one builder call per step. */
    FieldSpec field() {
        CodeBlock.Builder init = CodeBlock.builder().add("$T.builder(NAME)", PROGRAM).indent().indent();
        init.add("\n.inputs($L)", model.inputs().stream().map(i -> CodeBlock.of("$S", names.get(i.node())).toString()).collect(Collectors.joining(", ")));
        List<String> options = tensorOptions().stream().map(this::optionName).toList();
        if (!options.isEmpty()) {
            init.add("\n.options($L)", options.stream().map(o -> CodeBlock.of("$S", o).toString()).collect(Collectors.joining(", ")));
        }
        if (!scalars.isEmpty()) {
            init.add("\n.scalars($L)", scalars.keySet().stream().map(s -> CodeBlock.of("$S", s).toString()).collect(Collectors.joining(", ")));
        }
        init.add("\n.seed($S)", "gradLoss");
        for (Node n : steps) {
            if (n.op() == Op.CHOOSE) {
                init.add("\n.choose($S, $S, $S, $S)", names.get(n), scalarName(n.arg(0).text()), names.get(n.arg(1)), names.get(n.arg(2)));
            } else {
                String args = n.args().stream().map(a -> CodeBlock.of("$S", names.get(a)).toString()).collect(Collectors.joining(", "));
                // the op's name written into the format, so that JavaPoet sees $T.NAME and uses the static import
                init.add("\n.step($S, $T." + n.op().name() + ", $L)", names.get(n), POINTWISE_OP, args);
            }
            String comment = comment(n);
            if (comment != null) {
                init.add("  // $L", comment);
            }
        }
        init.add("\n.loss($S)", names.get(model.loss()));
        for (Input in : model.inputs()) {
            Node g = gradients.inputGradients().get(in.name());
            if (in.differentiable() && g != null) {
                init.add("\n.gradient($S, $S)", names.get(in.node()), names.get(g));
            }
        }
        init.add("\n.build()").unindent().unindent();
        return FieldSpec.builder(PROGRAM, field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("The loss and its gradients in one pass over the inputs: the fused CPU path of float32 calls.\n")
                .initializer(init.build()).build();
    }

    private String optionName(String option) {
        for (Map.Entry<Node, String> e : names.entrySet()) {
            if (e.getKey().op() == Op.OPTION_TENSOR && e.getKey().text().equals(option)) {
                return e.getValue();
            }
        }
        return option; // unused by the program: passed and ignored
    }

    private String scalarName(String text) {
        for (Map.Entry<String, String> e : scalars.entrySet()) {
            if (e.getValue().equals(text.trim())) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("no scalar for " + text);
    }

    private String comment(Node n) {
        Node forward = gradients.gradientOf().get(n);
        if (forward != null) {
            return "d loss / d " + (forward.op() == Op.INPUT ? forward.text() : text(forward));
        }
        return n.source() != null ? text(n) : null;
    }

    private static String text(Node n) {
        String text = n.source() != null ? n.source().toString() : n.toString();
        text = text.replace("$", "$$").replaceAll("\\s+", " ");
        return text.length() > 90 ? text.substring(0, 87) + "..." : text;
    }

    /**
     * The arguments of a run: inputs and tensor options as the method's locals, then the scalars' Java
     * expressions; {@code locals} maps a leaf to its local.
     */
    CodeBlock arguments(java.util.function.Function<Node, String> locals, List<String> optionLocals) {
        List<String> args = new ArrayList<>();
        for (Input in : model.inputs()) {
            args.add(locals.apply(in.node()));
        }
        args.addAll(optionLocals);
        args.addAll(scalars.values());
        return CodeBlock.of("$L", String.join(", ", args));
    }

    /** The precondition checks the general path runs before the first op, for the fused path to run first. */
    List<Node> preconditions() {
        return preconditions;
    }
}
