package dev.lossforge.processor.ir;

import dev.lossforge.processor.shape.ShapeRule;
import dev.lossforge.runtime.fused.PointwiseOp;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything about one op, declared fluently in its {@link Op} entry so that the entry reads like a line of
 * PyTorch's {@code derivatives.yaml}:
 *
 * <pre>
 * function("abs(T x)").sameShape().emit("Pointwise.abs($0)").fused(PointwiseOp.ABS).grad("x: g * sign(x)")
 * </pre>
 *
 * The header names each operand after its kind letter ({@code T} tensor, {@code X} tensor or number, {@code S}
 * number, {@code I} class-index tensor, {@code d} one integer dim, {@code D} any number of dims); a trailing
 * {@code = default} makes the last number optional. Facts an entry leaves out stay undeclared ({@code null}),
 * and {@code OpTableTest} fails on them: nothing here is checked while the processor runs.
 */
public final class OpSpec {
    enum Kind { LEAF, TENSOR_METHOD, FUNCTION, INTERNAL }

    final Kind kind;
    /** The DSL word, or the name derivative formulas call an internal op by; null for leaves. */
    final String name;
    /** One kind letter per operand, as {@link Op#signature()}. */
    final String signature;
    final List<String> operands;
    final String optionalDefault;

    ShapeRule shapeRule;
    boolean keepsShape;
    boolean broadcasts;
    boolean gradientsInArgumentShapes;
    String emitTemplate;
    /** Null until declared: {@link #fused} or {@link #notFusable}. */
    Fusion fusion;
    /** Null until declared: {@link #grad} or {@link #notDifferentiable}; a formula with no gradients then. */
    Formula derivative;
    final List<String> lets = new ArrayList<>();
    String precondition;
    boolean acceptsIndices;

    /** The fused decision: a block kernel, or none ({@code kernel} null) when the op is not fusable. */
    record Fusion(PointwiseOp kernel) {
    }

    private OpSpec(Kind kind, String header) {
        this.kind = kind;
        if (header == null) {
            this.name = null;
            this.signature = "";
            this.operands = List.of();
            this.optionalDefault = null;
            return;
        }
        int open = header.indexOf('(');
        this.name = header.substring(0, open);
        StringBuilder letters = new StringBuilder();
        List<String> names = new ArrayList<>();
        String dflt = null;
        String params = header.substring(open + 1, header.length() - 1).trim();
        for (String param : params.isEmpty() ? new String[0] : params.split(",")) {
            String[] sides = param.split("=", 2);
            String[] kindAndName = sides[0].trim().split(" ");
            letters.append(kindAndName[0]);
            names.add(kindAndName[1]);
            dflt = sides.length == 2 ? sides[1].trim() : null;
        }
        this.signature = letters.toString();
        this.operands = List.copyOf(names);
        this.optionalDefault = dflt;
    }

    /** A leaf of the graph (an input, an option, a scalar, the seed): {@code emit} is its fixed text. */
    static OpSpec leaf(String emitTemplate) {
        OpSpec spec = new OpSpec(Kind.LEAF, null);
        spec.emitTemplate = emitTemplate;
        return spec;
    }

    /** A Tensor method of the DSL, called as {@code x.add(y)}: the first operand is the receiver. */
    static OpSpec method(String header) {
        return new OpSpec(Kind.TENSOR_METHOD, header);
    }

    /** A static function of the DSL's {@code Ops}, as {@code exp(x)}. */
    static OpSpec function(String header) {
        return new OpSpec(Kind.FUNCTION, header);
    }

    /** An op only the processor builds (backward kernels, rewrites), named for derivative formulas. */
    static OpSpec internal(String header) {
        return new OpSpec(Kind.INTERNAL, header);
    }

    /** The result has the first operand's shape, whatever the others. */
    OpSpec sameShape() {
        return keepsShape((n, a, c) -> a.get(0));
    }

    /** {@code rule} checks the operands; the result always has the first operand's shape. */
    OpSpec keepsShape(ShapeRule rule) {
        return shape(rule, true, false, false);
    }

    /** The operands broadcast against each other (PyTorch's rule); gradients are summed back to each operand. */
    OpSpec broadcasts(ShapeRule rule) {
        return shape(rule, false, true, false);
    }

    /** The result's shape differs from the operands'; the derivative returns each gradient in its operand's shape. */
    OpSpec changesShape(ShapeRule rule) {
        return shape(rule, false, false, true);
    }

    /** Any other rule: its operands that get a gradient have the result's shape. */
    OpSpec shape(ShapeRule rule) {
        return shape(rule, false, false, false);
    }

    private OpSpec shape(ShapeRule rule, boolean keepsShape, boolean broadcasts, boolean gradientsInArgumentShapes) {
        this.shapeRule = rule;
        this.keepsShape = keepsShape;
        this.broadcasts = broadcasts;
        this.gradientsInArgumentShapes = gradientsInArgumentShapes;
        return this;
    }

    /** The Java expression that computes the op: {@code $0..$n} operands, {@code $dim}, {@code $dimsArg}. */
    OpSpec emit(String template) {
        this.emitTemplate = template;
        return this;
    }

    /** A fused block program computes the op with this kernel. */
    OpSpec fused(PointwiseOp kernel) {
        this.fusion = new Fusion(kernel);
        return this;
    }

    /** No block kernel computes the op: a loss that uses it runs op by op. */
    OpSpec notFusable() {
        this.fusion = new Fusion(null);
        return this;
    }

    /** A name for a sub-expression the {@link #grad} formulas share: {@code "isMax = eq(x, ...)"}. */
    OpSpec let(String definition) {
        lets.add(definition);
        return this;
    }

    /**
     * The derivative, one {@code "operand: formula"} per operand that gets a gradient (see {@link Formula});
     * operands not listed get none.
     */
    OpSpec grad(String... gradients) {
        this.derivative = new Formula(operands, signature, List.copyOf(lets), List.of(gradients));
        return this;
    }

    /** No operand gets a gradient (masks, indices, weights). */
    OpSpec notDifferentiable() {
        return grad();
    }

    /** A check generated code runs first, as {@code Checks.<name>(...)}. */
    OpSpec precondition(String check) {
        this.precondition = check;
        return this;
    }

    /** Tensor operands may be class indices ({@code ne(target, ignoreIndex)} is a mask). */
    OpSpec acceptsIndices() {
        this.acceptsIndices = true;
        return this;
    }
}
