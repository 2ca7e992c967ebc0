package dev.lossforge.processor.emit;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.ir.Scalar;
import dev.lossforge.processor.shape.SymShape;
import dev.lossforge.runtime.fused.PointwiseProgram;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * The fused fast path of a loss: its pointwise part, forward and backward, as one {@code PointwiseProgram} (a
 * static constant of the generated class, one step per line with the DSL expression it computes) over the
 * unreduced loss's shape, the <em>domain</em>. Every node falls in one of three parts:
 *
 * <ul>
 * <li><b>before</b>: ops that do not depend on the program (cross-entropy's picked log-probabilities, the class
 * weights {@code take} picks), computed by their kernels first; those of the domain's shape are program inputs.
 * One inside a {@code ?:} branch is computed only when that branch is taken;</li>
 * <li><b>program</b>: pointwise ops over domain-shaped values (and numbers), plus {@code ?:} on options;</li>
 * <li><b>after</b>: backward ops that take program values (a gradient flowing back into a "before" op, as
 * cross-entropy's into its log-softmax), computed by their kernels from the program's outputs.</li>
 * </ul>
 *
 * A loss whose unreduced value is not in the program (a reduction inside it, CTC, ...) gets no program:
 * {@link #of} gives null. MSE is all program; cross-entropy is a row kernel, a program, and a row kernel.
 */
final class PointwiseProgramWriter {
    private enum Part { LEAF, BEFORE, PROGRAM, AFTER }

    private final LossModel model;
    private final Differentiator.Result gradients;
    private final Map<Node, SymShape> shapes;
    private final String field;
    private final SymShape domain;
    private final Map<Node, Part> parts = new IdentityHashMap<>();
    /** The program's name for each node it computes or reads. */
    private final Map<Node, String> names = new IdentityHashMap<>();
    private final LocalNames allocator = new LocalNames(List.of(PointwiseProgram.NO_GRADIENT_NAME, "gradLoss"));
    private final ValueNames valueNames;
    /** Java numbers and boolean conditions the program takes at run time, by program name. */
    private final Map<String, Node> scalars = new LinkedHashMap<>();
    private final List<Node> steps = new ArrayList<>();
    /** Program inputs: domain-shaped model inputs and "before" nodes, in call order. */
    private final List<Node> inputs = new ArrayList<>();
    /** Program outputs: the gradient of each domain input that is one, then the values "after" ops take. */
    private final List<Node> outputs = new ArrayList<>();
    /** Program outputs that "after" ops read (the others are only returned). */
    private final Set<Node> readByKernels = Graph.identitySet();
    /** Checks the general path runs before an op (BCE's probabilities), run before the program too. */
    private final List<Node> preconditions = new ArrayList<>();
    /** For a "before" node inside a ?: branch: the Java condition under which it is needed. */
    private final Map<Node, CodeBlock> guards = new IdentityHashMap<>();

    private PointwiseProgramWriter(LossModel model, Differentiator.Result gradients, Map<Node, SymShape> shapes, String field) {
        this.model = model;
        this.gradients = gradients;
        this.shapes = shapes;
        this.field = field;
        this.domain = shapes.get(unweighted(model.loss()));
        this.valueNames = new ValueNames(model, gradients, names);
    }

    /** The fused program for this declaration, or null when its unreduced loss is not pointwise. */
    static PointwiseProgramWriter of(LossModel model, Differentiator.Result gradients, Map<Node, SymShape> shapes, String field) {
        if (shapes == null || shapes.get(unweighted(model.loss())) == null) {
            return null;
        }
        PointwiseProgramWriter writer = new PointwiseProgramWriter(model, gradients, shapes, field);
        return writer.plan() ? writer : null;
    }

    private static Node unweighted(Node n) {
        return n.op() == Op.WEIGHTED ? n.arg(0) : n;
    }

    private List<Node> gradientRoots() {
        List<Node> roots = new ArrayList<>();
        for (Input in : model.inputs()) {
            Node g = gradients.inputGradients().get(in.name());
            if (in.differentiable() && g != null) {
                roots.add(g);
            }
        }
        return roots;
    }

    // ---------------------------------------------------------------- planning

    private boolean plan() {
        Node loss = unweighted(model.loss());
        List<Node> forwardRoots = new ArrayList<>(List.of(loss));
        if (model.meanWeights() != null) {
            forwardRoots.add(model.meanWeights());
        }
        for (Node n : Graph.topologicalOrder(forwardRoots)) {
            classify(n);
        }
        for (Node n : Graph.topologicalOrder(gradientRoots())) {
            classify(n);
        }
        if (parts.get(loss) != Part.PROGRAM || model.meanWeights() != null && !usable(model.meanWeights())) {
            return false;
        }
        // what the program reads and returns
        Set<Node> programNodes = new LinkedHashSet<>();
        for (Node n : Graph.topologicalOrder(roots())) {
            if (parts.get(n) == Part.PROGRAM) {
                programNodes.add(n);
            }
        }
        for (Node root : gradientRoots()) {
            if (parts.get(root) == Part.PROGRAM || parts.get(root) == Part.LEAF && root.op() == Op.SEED) {
                Input in = inputOf(root);
                if (in == null || !isDomainLeaf(in.node())) {
                    return false; // a gradient of the domain's shape for an input of another shape
                }
                nameLeaf(root); // a gradient that is the seed itself (loss = x - c) is named, though no step reads it
                addOutput(root);
            }
        }
        for (Node n : Graph.topologicalOrder(gradientRoots())) {
            if (parts.get(n) == Part.AFTER) {
                for (Node a : n.args()) {
                    if (parts.get(a) == Part.PROGRAM) {
                        addOutput(a);
                        readByKernels.add(a);
                    }
                }
            }
        }
        Set<Node> read = new LinkedHashSet<>();
        for (Node n : programNodes) {
            read.addAll(n.args());
        }
        if (model.meanWeights() != null) {
            read.add(model.meanWeights());
        }
        for (Node a : read) {
            if (parts.get(a) == Part.BEFORE || a.op() == Op.INPUT && parts.get(a) == Part.LEAF) {
                if (!inputs.contains(a)) {
                    inputs.add(a);
                }
            }
        }
        if (inputs.isEmpty()) {
            return false;
        }
        // the model's inputs first, in their order, then the "before" values
        List<Node> modelOrder = model.inputs().stream().map(Input::node).toList();
        inputs.sort(java.util.Comparator.comparingInt(n -> modelOrder.contains(n) ? modelOrder.indexOf(n) : modelOrder.size()));
        // names: inputs first, then steps
        for (Node in : inputs) {
            names.put(in, allocator.take(valueNames.candidates(in)));
        }
        for (Node n : programNodes) {
            for (Node a : n.args()) {
                if (!nameLeaf(a)) {
                    return false;
                }
            }
        }
        for (Node n : programNodes) {
            if (!names.containsKey(n)) {
                if (n.op() == Op.WEIGHTED) {
                    names.put(n, names.get(n.arg(0)));
                    continue;
                }
                if (n.op() == Op.CHOOSE) {
                    scalar(n.arg(0));
                }
                names.put(n, allocator.take(valueNames.candidates(n)));
                steps.add(n);
            }
        }
        if (model.meanWeights() != null && !names.containsKey(model.meanWeights())) {
            return false;
        }
        for (Node n : programNodes) {
            if (n.op().precondition() != null) {
                // checked up front on leaves, so never inside a ?: branch, which may not be taken
                if (!forwardOutsideBranches().contains(n)
                        || n.args().stream().anyMatch(a -> a.op() != Op.INPUT && a.op() != Op.OPTION_TENSOR && a.op() != Op.SCALAR)) {
                    return false;
                }
                preconditions.add(n);
            }
        }
        for (Node n : Graph.topologicalOrder(gradientRoots())) {
            if (parts.get(n) == Part.AFTER && n.args().stream().anyMatch(a -> a.op() == Op.SEED)) {
                return false; // the seed is a program value, not an array, on this path
            }
        }
        computeGuards();
        return true;
    }

    /** The forward nodes computed whatever the options: reachable from the loss without entering a ?: branch. */
    private Set<Node> forwardOutsideBranches() {
        Set<Node> seen = Graph.identitySet();
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(List.of(model.loss()));
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.add(n) && n.op() != Op.CHOOSE) {
                todo.addAll(n.args());
            }
        }
        return seen;
    }

    private List<Node> roots() {
        List<Node> roots = new ArrayList<>(List.of(unweighted(model.loss())));
        if (model.meanWeights() != null) {
            roots.add(model.meanWeights());
        }
        roots.addAll(gradientRoots());
        return roots;
    }

    private void addOutput(Node n) {
        if (!outputs.contains(n)) {
            outputs.add(n);
        }
    }

    private Input inputOf(Node gradientRoot) {
        for (Input in : model.inputs()) {
            if (gradients.inputGradients().get(in.name()) == gradientRoot) {
                return in;
            }
        }
        return null;
    }

    private boolean isDomainLeaf(Node n) {
        return n.op() == Op.INPUT && !isIndex(n) && domain.equals(shapes.get(n));
    }

    private boolean isIndex(Node input) {
        return model.inputs().stream().anyMatch(in -> in.node() == input && in.index());
    }

    /** Whether a program step may read n. */
    private boolean usable(Node n) {
        Part part = parts.get(n);
        if (part == Part.PROGRAM) {
            return true;
        }
        if (part == Part.BEFORE) {
            SymShape s = shapes.get(n);
            return s != null && domain.equals(s);
        }
        switch (n.op()) {
            case INPUT: return isDomainLeaf(n);
            case OPTION_TENSOR: case SCALAR: case SEED: case NO_GRADIENT: return true;
            default: return false;
        }
    }

    private void classify(Node n) {
        if (parts.containsKey(n)) {
            return;
        }
        switch (n.op()) {
            case INPUT: case OPTION_TENSOR: case SCALAR: case SEED: case NO_GRADIENT:
                parts.put(n, Part.LEAF);
                return;
            default:
        }
        // (SUM_TO is not: it reduces a broadcast gradient to a smaller operand, which only its kernel can do)
        boolean fusable = n.op() == Op.CHOOSE || n.op() == Op.WEIGHTED || n.op().fusedKernel() != null;
        boolean argsUsable = true;
        boolean dependsOnProgram = false;
        for (int i = 0; i < n.args().size(); i++) {
            Node a = n.arg(i);
            Part p = parts.get(a);
            dependsOnProgram |= p == Part.PROGRAM || p == Part.AFTER || a.op() == Op.SEED; // the seed is a program value
            boolean shapeOnly = n.op() == Op.CHOOSE && i == 0;
            if (!shapeOnly && !usable(a)) {
                argsUsable = false;
            }
        }
        if (n.op() == Op.WEIGHTED) {
            argsUsable = usable(n.arg(0)) && usable(n.arg(1));
        }
        // a pointwise op on program-readable values is in the program (its shape is the domain's, or an option's
        // or a number's, which the run checks); any other op runs before it, or after it if it needs its values
        if (fusable && argsUsable) {
            parts.put(n, Part.PROGRAM);
        } else {
            parts.put(n, dependsOnProgram ? Part.AFTER : Part.BEFORE);
        }
    }

    private boolean nameLeaf(Node n) {
        if (names.containsKey(n)) {
            return true;
        }
        switch (n.op()) {
            case OPTION_TENSOR:
                names.put(n, allocator.take(n.text()));
                return true;
            case SEED:
                names.put(n, "gradLoss");
                return true;
            case NO_GRADIENT:
                names.put(n, PointwiseProgram.NO_GRADIENT_NAME);
                return true;
            case SCALAR:
                names.put(n, scalar(n));
                return true;
            case INPUT:
                return false; // a model input the program reads must be one of its inputs
            default:
                return true;
        }
    }

    /** A number literal stays a literal; any other scalar becomes a named run-time scalar (an option by its name). */
    private String scalar(Node scalar) {
        Scalar value = scalar.scalar();
        String literal = value instanceof Scalar.Unary u && u.operator().equals("-") && u.operand() instanceof Scalar.Literal l
                ? "-" + l.text() : value instanceof Scalar.Literal l ? l.text() : "";
        if (literal.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?")) {
            return literal.contains(".") || literal.contains("e") || literal.contains("E") ? literal : literal + ".0";
        }
        for (Map.Entry<String, Node> e : scalars.entrySet()) {
            if (e.getValue().scalar().equals(value)) {
                return e.getKey();
            }
        }
        String name = allocator.take(value instanceof Scalar.Option o ? o.name() : "scalar");
        scalars.put(name, scalar);
        return name;
    }

    /** A condition of a ?: that holds ({@code positive}) or does not. */
    private record Literal(Node condition, boolean positive) {
        CodeBlock render() {
            return positive ? Scalars.render(condition) : CodeBlock.of("!($L)", Scalars.render(condition));
        }
    }

    /**
     * The condition under which each "before" input is needed: walking from the loss, a ?: guards what only its
     * branches reach; a node reached outside every ?: is computed always. Then {@link #guardLossOnlyInputs}.
     */
    private void computeGuards() {
        Map<Node, Set<List<Literal>>> reached = new IdentityHashMap<>();
        walk(unweighted(model.loss()), List.of(), reached);
        if (model.meanWeights() != null) {
            walk(model.meanWeights(), List.of(), reached);
        }
        for (Node in : inputs) {
            Set<List<Literal>> conditions = reached.get(in);
            if (conditions == null || conditions.isEmpty() || conditions.contains(List.of())) {
                continue;
            }
            // reached under c and under !c: needed either way
            boolean bothWays = conditions.stream().anyMatch(c -> c.size() == 1
                    && conditions.contains(List.of(new Literal(c.get(0).condition(), !c.get(0).positive()))));
            if (!bothWays) {
                guards.put(in, CodeBlock.join(conditions.stream().map(c -> CodeBlock.of("($L)",
                        CodeBlock.join(c.stream().map(Literal::render).toList(), " && "))).toList(), " || "));
            }
        }
        guardLossOnlyInputs();
    }

    /**
     * A "before" input that no gradient reads is needed for the loss alone: cross-entropy's picked log-probability
     * (its gradient is -w g, and the backward kernel after the program recomputes what it needs from x). It is
     * computed only when the caller wants the loss, so that a call for the gradient alone (DL4J's computeGradient)
     * skips its pass. Not when it shares an op with anything else (its own block would compute that twice), nor when
     * no other input is always computed (the program takes its loop's shape from one).
     */
    private void guardLossOnlyInputs() {
        List<Node> roots = new ArrayList<>(gradientRoots());
        if (model.meanWeights() != null) {
            roots.add(model.meanWeights()); // MEAN's denominator, read with the gradients too
        }
        Set<Node> readForGradients = Graph.reachableFrom(roots);
        List<Node> lossOnly = new ArrayList<>();
        for (Node n : inputs) {
            if (n.op() == Op.INPUT || readForGradients.contains(n)) {
                continue;
            }
            List<Node> others = new ArrayList<>(roots);
            inputs.stream().filter(other -> other != n).forEach(others::add);
            Set<Node> computedByOthers = Graph.reachableFrom(others);
            boolean shares = Graph.topologicalOrder(List.of(n)).stream()
                    .anyMatch(a -> a != n && parts.get(a) == Part.BEFORE && computedByOthers.contains(a));
            if (!shares) {
                lossOnly.add(n);
            }
        }
        boolean anotherAlwaysComputed = inputs.stream().anyMatch(n -> !lossOnly.contains(n) && !guards.containsKey(n));
        if (!anotherAlwaysComputed) {
            return;
        }
        for (Node n : lossOnly) {
            CodeBlock branch = guards.get(n);
            guards.put(n, branch == null ? CodeBlock.of("wanted.loss()") : CodeBlock.of("wanted.loss() && ($L)", branch));
        }
    }

    private void walk(Node n, List<Literal> guard, Map<Node, Set<List<Literal>>> reached) {
        if (!reached.computeIfAbsent(n, k -> new LinkedHashSet<>()).add(guard)) {
            return;
        }
        if (n.op() == Op.CHOOSE) {
            walk(n.arg(1), and(guard, new Literal(n.arg(0), true)), reached);
            walk(n.arg(2), and(guard, new Literal(n.arg(0), false)), reached);
            return;
        }
        if (parts.get(n) == Part.PROGRAM) {
            for (Node a : n.args()) {
                walk(a, guard, reached);
            }
        }
    }

    private static List<Literal> and(List<Literal> guard, Literal condition) {
        List<Literal> both = new ArrayList<>(guard);
        both.add(condition);
        return List.copyOf(both);
    }

    // ---------------------------------------------------------------- what the writer asks

    /** The program constant, one builder call per step. */
    FieldSpec field() {
        CodeBlock.Builder init = CodeBlock.builder().add("$T.builder(NAME)", Types.PROGRAM).indent().indent();
        init.add("\n.inputs($L)", quoted(inputs.stream().map(names::get).toList()));
        List<String> options = tensorOptions().stream().map(this::optionName).toList();
        if (!options.isEmpty()) {
            init.add("\n.options($L)", quoted(options));
        }
        if (!scalars.isEmpty()) {
            init.add("\n.scalars($L)", quoted(new ArrayList<>(scalars.keySet())));
        }
        init.add("\n.seed($S)", "gradLoss");
        for (Node n : steps) {
            if (n.op() == Op.CHOOSE) {
                init.add("\n.choose($S, $S, $S, $S)", names.get(n), scalar(n.arg(0)), names.get(n.arg(1)), names.get(n.arg(2)));
            } else {
                // the op's name written into the format, so that JavaPoet sees $T.NAME and uses the static import
                init.add("\n.step($S, $T." + n.op().name() + ", $L)", names.get(n), Types.POINTWISE_OP, quoted(n.args().stream().map(names::get).toList()));
            }
            String comment = comment(n);
            if (comment != null) {
                init.add("  // $L", comment);
            }
        }
        init.add("\n.loss($S)", names.get(unweighted(model.loss())));
        if (model.meanWeights() != null) {
            init.add("\n.meanWeights($S)", names.get(model.meanWeights()));
        }
        for (Node out : outputs) {
            Input in = inputOf(out);
            if (in != null && inputs.contains(in.node())) {
                init.add("\n.gradient($S, $S)", names.get(in.node()), names.get(out));
            } else {
                init.add("\n.output($S)", names.get(out));
            }
        }
        init.add("\n.build()").unindent().unindent();
        return FieldSpec.builder(Types.PROGRAM, field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .addJavadoc("The pointwise part of the loss and of its gradients, fused into one pass: the CPU path of float32 calls.\n")
                .initializer(init.build()).build();
    }

    private static CodeBlock quoted(List<String> values) {
        return CodeBlock.join(values.stream().map(v -> CodeBlock.of("$S", v)).toList(), ", ");
    }

    private List<String> tensorOptions() {
        return model.options().stream().filter(OptionParam::isTensor).map(OptionParam::name).toList();
    }

    private String optionName(String option) {
        for (Map.Entry<Node, String> e : names.entrySet()) {
            if (e.getKey().op() == Op.OPTION_TENSOR && e.getKey().text().equals(option)) {
                return e.getValue();
            }
        }
        return allocator.take(option); // passed and ignored
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
        text = text.replaceAll("\\s+", " ");
        return text.length() > 90 ? text.substring(0, 87) + "..." : text;
    }

    /** The program's inputs, in call order: model inputs and "before" nodes. */
    List<Node> inputs() {
        return inputs;
    }

    /** The Java condition under which a "before" input is needed, or null when it always is. */
    CodeBlock guard(Node input) {
        return guards.get(input);
    }

    /** The values the program returns, in order (gradients of domain inputs, values "after" ops take). */
    List<Node> outputs() {
        return outputs;
    }

    /** Whether ops after the program read this output (else it is only returned, as an input's gradient). */
    boolean readByKernels(Node output) {
        return readByKernels.contains(output);
    }

    /** Whether this output is what the first model input's gradient needs (a training step asks only for that). */
    boolean neededForFirstGradient(Node output) {
        Node root = gradients.inputGradients().get(model.inputs().get(0).name());
        return root != null && Graph.topologicalOrder(List.of(root)).contains(output);
    }

    /** The scalars the program takes at run time, in call order after the inputs and tensor options. */
    List<Node> scalarArguments() {
        return new ArrayList<>(scalars.values());
    }

    /** The precondition checks the general path runs before the first op, for the fused path to run first. */
    List<Node> preconditions() {
        return preconditions;
    }
}
