package dev.lossforge.processor.emit;

import dev.lossforge.processor.emit.BodyPlan.Branch;
import dev.lossforge.processor.emit.BodyPlan.Check;
import dev.lossforge.processor.emit.BodyPlan.Choose;
import dev.lossforge.processor.emit.BodyPlan.Compute;
import dev.lossforge.processor.emit.BodyPlan.FusedPath;
import dev.lossforge.processor.emit.BodyPlan.GeneralPath;
import dev.lossforge.processor.emit.BodyPlan.Gradient;
import dev.lossforge.processor.emit.BodyPlan.Gradients;
import dev.lossforge.processor.emit.BodyPlan.Guarded;
import dev.lossforge.processor.emit.BodyPlan.Operand;
import dev.lossforge.processor.emit.BodyPlan.ProgramOutput;
import dev.lossforge.processor.emit.BodyPlan.Seed;
import dev.lossforge.processor.emit.BodyPlan.Stage;
import dev.lossforge.processor.emit.BodyPlan.Step;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans one declaration's {@code compute} body: every node it needs, once, arguments first, each named by
 * {@link ValueNames}. A {@code ?:} plans each branch as its own block, so the branch not taken is never computed;
 * an argument used only for its shape is read from a cheaper node of that shape ({@link #shapeSource}), so that
 * gradients do not recompute forward values they ignore.
 */
final class BodyPlanner {
    /** The names compute() declares itself, besides the options (fields it must not hide). */
    static final List<String> RESERVED = List.of("inputs", "gradOutput", "wanted",
            "in", "value", "unbatched", "fused", "reduction");

    private final Declaration declaration;
    private final LossModel model;
    private final ValueNames valueNames;
    private final Map<Node, String> locals = new IdentityHashMap<>();
    /** The fused program's outputs that are only returned, by their index: read where they are returned. */
    private final Map<Node, Integer> returnedOutputs = new IdentityHashMap<>();
    private LocalNames names;
    /** Where the steps being planned go: the method's, a block's. */
    private List<Step> steps = new ArrayList<>();
    /**
     * Set once the forward values are computed: a value recomputed for the gradients was checked on the way
     * forward if its ?: branch was taken, and must not be checked at all if it was not.
     */
    private boolean gradientPhase;
    /**
     * Nodes a ?: branch needs that are also needed outside the ?: (by later code, or by both branches): they are
     * computed once, before the if, instead of inside a block that would hide them.
     */
    private Set<Node> hoisted = Graph.identitySet();

    private BodyPlanner(Declaration declaration) {
        this.declaration = declaration;
        this.model = declaration.model;
        this.valueNames = new ValueNames(model, declaration.gradients, locals);
        List<String> reserved = new ArrayList<>(RESERVED);
        model.options().forEach(o -> reserved.add(o.name()));
        this.names = new LocalNames(reserved);
    }

    static BodyPlan plan(Declaration declaration) {
        return new BodyPlanner(declaration).plan();
    }

    private BodyPlan plan() {
        List<String> inputs = new ArrayList<>();
        for (Input input : model.inputs()) {
            String name = names.take(input.name());
            locals.put(input.node(), name);
            inputs.add(name);
        }
        List<String> options = new ArrayList<>();
        for (OptionParam o : model.options()) {
            if (o.isTensor()) {
                String name = names.take(o.name() + "Value");
                Node leaf = optionLeaf(o.name());
                if (leaf != null) {
                    locals.put(leaf, name);
                }
                options.add(name);
            }
        }
        FusedPath fused = declaration.fused == null ? null : fusedPath(options);
        return new BodyPlan(inputs, options, fused, generalPath());
    }

    private Node optionLeaf(String name) {
        for (Node n : Graph.topologicalOrder(forwardRoots())) {
            if (n.op() == Op.OPTION_TENSOR && n.text().equals(name)) {
                return n;
            }
        }
        return null;
    }

    private List<Node> forwardRoots() {
        return model.meanWeights() == null ? List.of(model.loss()) : List.of(model.loss(), model.meanWeights());
    }

    // ------------------------------------------------------------------ the two paths

    /**
     * The fused path: the checks and the ops before the program, the program, then its outputs and the ops
     * after it. Its locals end with its block; the general path after it recomputes what it needs.
     */
    private FusedPath fusedPath(List<String> tensorOptions) {
        PointwiseProgramWriter program = declaration.fused;
        Map<Node, String> outside = new IdentityHashMap<>(locals);
        LocalNames namesOutside = names;
        names = names.nested();
        steps = new ArrayList<>();
        for (Node n : program.preconditions()) {
            steps.add(check(n, n.arg(0).op() == Op.INPUT ? n.arg(0).text() : n.arg(0).toString()));
        }
        List<Node> before = program.inputs().stream().filter(n -> !locals.containsKey(n)).toList();
        hoistFor(before);
        for (Node n : before) {
            if (program.guard(n) == null) {
                compute(List.of(n));
            } else {
                String name = names.take(valueNames.candidates(n));
                steps.add(new Guarded(name, program.guard(n), branch(n)));
                locals.put(n, name);
            }
        }
        List<Step> beforeSteps = steps;
        List<Operand> arguments = new ArrayList<>();
        program.inputs().forEach(n -> arguments.add(ref(n)));
        tensorOptions.forEach(o -> arguments.add(new Operand.Local(o)));
        program.scalarArguments().forEach(s -> arguments.add(new Operand.Scalar(s)));
        // a value computed only under its ?: is null when not taken, and the ops after the program may want it
        // as a forward value: they recompute it, as the general path's gradients do
        for (Node n : program.inputs()) {
            if (program.guard(n) != null && n.op() != Op.INPUT) {
                locals.remove(n);
            }
        }
        List<Node> outputs = program.outputs();
        List<Boolean> forFirst = outputs.stream().map(o -> !declaration.hasFirstGradient() || program.neededForFirstGradient(o)).toList();
        gradientPhase = true;
        Gradients gradients = gradients(outputs, forFirst, List.of());
        gradientPhase = false;
        returnedOutputs.clear();
        locals.clear();
        locals.putAll(outside);
        names = namesOutside;
        return new FusedPath(declaration.constant(GeneratedNames.PROGRAM), beforeSteps, arguments, forFirst, gradients);
    }

    /** The general path: the forward values, then the seed and the gradients, by the kernels. */
    private GeneralPath generalPath() {
        steps = new ArrayList<>();
        // hoisting is planned for the forward values only: a branch's value the gradients need is recomputed
        // after the forward pass, so the branch not taken is neither computed nor checked on the way forward
        hoistFor(forwardRoots());
        compute(List.of(model.loss()));
        if (model.meanWeights() != null) {
            compute(List.of(model.meanWeights()));
        }
        List<Step> forward = steps;
        Operand loss = ref(model.loss());
        Operand meanWeights = model.meanWeights() == null ? null : ref(model.meanWeights());
        Operand firstInput = ref(declaration.first().node());
        gradientPhase = true;
        String seedName = names.take("gradLoss");
        for (Node n : Graph.topologicalOrder(new ArrayList<>(declaration.gradients.inputGradients().values()))) {
            if (n.op() == Op.SEED) {
                locals.put(n, seedName);
            }
        }
        Gradients gradients = gradients(List.of(), List.of(), List.of(new Seed(seedName, loss, meanWeights, firstInput)));
        return new GeneralPath(forward, loss, meanWeights, gradients);
    }

    /**
     * The gradient stages: the first input's gradient, then the others'. Each stage first reads the program
     * outputs it needs ({@code outputs}, of which {@code forFirst} says which the first stage needs).
     */
    private Gradients gradients(List<Node> outputs, List<Boolean> forFirst, List<Step> start) {
        Input first = declaration.first();
        List<Node> all = new ArrayList<>(declaration.gradients.inputGradients().values());
        if (!declaration.hasFirstGradient()) {
            return new Gradients(stage(start, outputs, forFirst, true, all, false), null);
        }
        Stage firstStage = stage(start, outputs, forFirst, true,
                Collections.singletonList(declaration.gradients.inputGradients().get(first.name())), true);
        Stage rest = stage(List.of(), outputs, forFirst, false, all, false);
        return new Gradients(firstStage, rest);
    }

    private Stage stage(List<Step> start, List<Node> outputs, List<Boolean> forFirst, boolean firstStage, List<Node> roots,
            boolean firstOnly) {
        steps = new ArrayList<>(start);
        for (int k = 0; k < outputs.size(); k++) {
            if (forFirst.get(k) == firstStage) {
                Node output = outputs.get(k);
                if (declaration.fused.readByKernels(output)) {
                    String name = names.take(valueNames.candidates(output));
                    steps.add(new ProgramOutput(name, k));
                    locals.put(output, name);
                } else {
                    returnedOutputs.put(output, k);
                }
            }
        }
        compute(roots);
        List<Gradient> results = new ArrayList<>();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            if (!in.differentiable() || firstOnly && i > 0) {
                results.add(null);
            } else {
                Operand value = ref(declaration.gradients.inputGradients().get(in.name()));
                results.add(new Gradient(value, declaration.gradients.mayBeNull() ? ref(in.node()) : null));
            }
        }
        return new Stage(steps, results);
    }

    // ------------------------------------------------------------------ nodes to steps

    /** Plans the nodes needed for {@code roots} (null roots are skipped). */
    private void compute(List<Node> roots) {
        Set<Node> visited = Graph.identitySet();
        for (Node root : roots) {
            if (root != null) {
                visit(root, visited);
            }
        }
    }

    private void visit(Node n, Set<Node> visited) {
        if (locals.containsKey(n) || returnedOutputs.containsKey(n) || !visited.add(n)) {
            return;
        }
        if (n.op() == Op.CHOOSE) {
            choose(n);
            return;
        }
        for (int i = 0; i < n.args().size(); i++) {
            visit(Templates.usedForShapeOnly(n, i) ? shapeSource(n.arg(i)) : n.arg(i), visited);
        }
        step(n);
    }

    private void step(Node n) {
        if (isLeaf(n)) {
            return;
        }
        if (n.op().precondition() != null && !gradientPhase) {
            Node checked = n.arg(0);
            steps.add(check(n, checked.op() == Op.INPUT ? checked.text() : valueNames.text(checked)));
        }
        String name = names.take(valueNames.candidates(n));
        List<Operand> operands = new ArrayList<>();
        for (int i = 0; i < n.args().size(); i++) {
            operands.add(ref(Templates.usedForShapeOnly(n, i) ? shapeSource(n.arg(i)) : n.arg(i)));
        }
        if (n.op() == Op.WHERE && n.arg(1).op() == Op.SCALAR && n.arg(2).op() == Op.SCALAR) {
            // no kernel selects between two numbers: the second becomes a value of the inputs' (one) float dtype
            Input values = model.inputs().stream().filter(i -> !i.index()).findFirst().orElse(declaration.first());
            operands.set(2, new Operand.Filled(n.arg(2), locals.get(values.node())));
        }
        locals.put(n, name);
        steps.add(new Compute(name, valueNames.comment(n), n, operands));
    }

    private static boolean isLeaf(Node n) {
        return n.op() == Op.SCALAR || n.op() == Op.NO_GRADIENT || n.op() == Op.WEIGHTED || n.op() == Op.SEED;
    }

    private Check check(Node n, String label) {
        return new Check(n.op().precondition(), label, n.args().stream().filter(a -> a.op() != Op.SCALAR).map(this::ref).toList());
    }

    private void choose(Node n) {
        Set<Node> visitedHere = Graph.identitySet();
        for (Node needed : Graph.topologicalOrder(List.of(n.arg(1), n.arg(2)))) {
            if (hoisted.contains(needed) && needed.op() != Op.CHOOSE) {
                visit(needed, visitedHere);
            }
        }
        String name = names.take(valueNames.candidates(n));
        String comment = valueNames.comment(n);
        Branch ifTrue = branch(n.arg(1));
        Branch ifFalse = branch(n.arg(2));
        steps.add(new Choose(name, comment, n.arg(0), ifTrue, ifFalse));
        locals.put(n, name);
    }

    /** One block computing {@code value}: what it computes is forgotten after it (Java scopes it there). */
    private Branch branch(Node value) {
        Map<Node, String> outside = new IdentityHashMap<>(locals);
        LocalNames namesOutside = names;
        List<Step> stepsOutside = steps;
        names = names.nested();
        steps = new ArrayList<>();
        compute(List.of(value));
        Branch branch = new Branch(steps, ref(value));
        steps = stepsOutside;
        names = namesOutside;
        locals.clear();
        locals.putAll(outside);
        return branch;
    }

    Operand ref(Node n) {
        if (n.op() == Op.SCALAR) {
            return new Operand.Scalar(n);
        }
        if (n.op() == Op.NO_GRADIENT) {
            return new Operand.None();
        }
        if (n.op() == Op.WEIGHTED) {
            return ref(n.arg(0));
        }
        if (returnedOutputs.containsKey(n)) {
            return new Operand.ProgramOutput(returnedOutputs.get(n));
        }
        String local = locals.get(n);
        if (local == null) {
            throw new IllegalStateException("node used before it is computed: " + n);
        }
        return new Operand.Local(local);
    }

    // ------------------------------------------------------------------ hoisting out of ?: branches

    /** Declares every node the coming steps will compute, so that ?: branches know what to hoist. */
    private void hoistFor(List<Node> roots) {
        List<Node> present = roots.stream().filter(r -> r != null).toList();
        hoisted = reach(present, false);
        for (Node n : reach(present, true)) {
            if (n.op() == Op.CHOOSE) {
                Set<Node> both = reach(List.of(n.arg(1)), true);
                both.retainAll(reach(List.of(n.arg(2)), true));
                hoisted.addAll(both);
            }
        }
    }

    /** Nodes reachable from roots as visit() walks them; into ?: branches only when asked. */
    private static Set<Node> reach(List<Node> roots, boolean intoBranches) {
        Set<Node> seen = Graph.identitySet();
        ArrayDeque<Node> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n) || n.op() == Op.CHOOSE && !intoBranches) {
                continue;
            }
            for (int i = 0; i < n.args().size(); i++) {
                todo.push(Templates.usedForShapeOnly(n, i) ? shapeSource(n.arg(i)) : n.arg(i));
            }
        }
        return seen;
    }

    /** The cheapest node with n's shape: n's first argument, followed through ops that keep that shape. */
    private static Node shapeSource(Node n) {
        Node source = n;
        while (source.op().keepsShape()) {
            source = source.arg(0);
        }
        return source;
    }
}
