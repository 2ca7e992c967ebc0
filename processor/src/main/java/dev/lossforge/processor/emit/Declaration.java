package dev.lossforge.processor.emit;

import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.shape.ShapeInference.IndexUse;
import dev.lossforge.processor.shape.SymShape;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code @Loss} declaration of a generated class, with the names of its members: {@code compute} and
 * {@code PROGRAM} for a class with one declaration, {@code crossEntropyCompute} and {@code CROSS_ENTROPY_PROGRAM}
 * for each of several.
 */
final class Declaration {
    final LossModel model;
    final Map<String, IndexUse> indexUses;
    final Differentiator.Result gradients;
    final Map<Node, SymShape> shapes;
    /** Empty for a loss declared once; the declaring method's name for each of several declarations. */
    final String prefix;
    /** Whether an unbatched call's unreduced loss loses its batch dim of one. */
    final boolean dropsBatchDim;
    /** The fused CPU path, when the unreduced loss is pointwise; else null. */
    final PointwiseProgramWriter fused;

    Declaration(LossWriter.Variant variant, String prefix) {
        this.model = variant.model();
        this.indexUses = variant.indexUses();
        this.gradients = variant.gradients();
        this.shapes = variant.shapes();
        this.prefix = prefix;
        this.dropsBatchDim = model.optionalBatch() != null && variant.lossKeepsBatchDim();
        this.fused = PointwiseProgramWriter.of(model, gradients, shapes, constant(GeneratedNames.PROGRAM));
    }

    /** A per-declaration member name: {@code compute}, or {@code crossEntropyProbabilitiesCompute}. */
    String member(String name) {
        return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** A per-declaration constant: {@code INPUT_NAMES}, or {@code CROSS_ENTROPY_PROBABILITIES_INPUT_NAMES}. */
    String constant(String name) {
        return prefix.isEmpty() ? name : upperSnake(prefix) + "_" + name;
    }

    /** The constant holding an input's declared shape. */
    String shapeConstant(String input) {
        return constant(shapeConstantOf(input));
    }

    static String shapeConstantOf(String param) {
        return upperSnake(param) + GeneratedNames.SHAPE_SUFFIX;
    }

    private static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    Input first() {
        return model.inputs().get(0);
    }

    /** Whether forwardAndFirstGradient and firstGradient are generated: the first input has a gradient. */
    boolean hasFirstGradient() {
        return first().differentiable();
    }

    List<Input> valueInputs() {
        return model.inputs().stream().filter(i -> !i.index()).toList();
    }

    static String simpleName(String qualified) {
        return qualified.substring(qualified.lastIndexOf('.') + 1);
    }
}
