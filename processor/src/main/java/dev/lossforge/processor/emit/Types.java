package dev.lossforge.processor.emit;

import com.squareup.javapoet.ArrayTypeName;
import com.squareup.javapoet.ClassName;

/**
 * Every type the generated code names, as a JavaPoet {@link ClassName}, so that it is always imported and never
 * written out in full. Runtime classes that op templates call ({@code Pointwise.abs($0)}) are resolved by
 * {@link #runtime(String)}.
 */
final class Types {
    /** The package of the runtime's support classes, which the op templates call by simple name. */
    static final String RUNTIME = "dev.lossforge.runtime";
    static final ClassName INDARRAY = ClassName.get("org.nd4j.linalg.api.ndarray", "INDArray");
    static final ArrayTypeName INDARRAY_ARRAY = ArrayTypeName.of(INDARRAY);
    static final ClassName DATA_TYPE = ClassName.get("org.nd4j.linalg.api.buffer", "DataType");
    static final ClassName CHECKS = runtime("Checks");
    /** What an entry point asks compute() for. */
    static final ClassName WANTED = runtime("Wanted");
    /** The superclass of every generated loss: its reduction, equals, hashCode and toString. */
    static final ClassName GENERATED_LOSS = runtime("GeneratedLoss");
    static final ClassName CONVERSIONS = runtime("Conversions");
    static final ClassName SHAPES = runtime("Shapes");
    static final ClassName OPTIONS = runtime("Options");
    static final ClassName REDUCTIONS = runtime("Reductions");
    static final ClassName SHAPE_BINDER = runtime("ShapeBinder");
    /** Where {@code orZeros} lives: the gradient of an input that no path reached. */
    static final ClassName NO_GRADIENT = runtime("NoGradient");
    static final ClassName PROGRAM = ClassName.get(RUNTIME + ".fused", "PointwiseProgram");
    static final ClassName POINTWISE_OP = ClassName.get(RUNTIME + ".fused", "PointwiseOp");
    static final ClassName SHAPE_SPEC = ClassName.get("dev.lossforge.shape", "ShapeSpec");
    static final ClassName LOSS_BUILDER = ClassName.get("dev.lossforge", "LossBuilder");
    static final ClassName LOSS_SIGNATURE = ClassName.get("dev.lossforge", "LossSignature");
    static final ClassName LOSS_AND_GRADIENTS = ClassName.get("dev.lossforge", "LossAndGradients");
    static final ClassName REDUCTION = ClassName.get("dev.lossforge", "Reduction");
    static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");

    private Types() {
    }

    /** A class of the runtime's support package, by the simple name an op template calls it by. */
    static ClassName runtime(String simpleName) {
        return ClassName.get(RUNTIME, simpleName);
    }
}
