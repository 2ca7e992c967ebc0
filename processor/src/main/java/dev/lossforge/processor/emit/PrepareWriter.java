package dev.lossforge.processor.emit;

import static dev.lossforge.processor.emit.Types.CHECKS;
import static dev.lossforge.processor.emit.Types.CONVERSIONS;
import static dev.lossforge.processor.emit.Types.INDARRAY;
import static dev.lossforge.processor.emit.Types.INDARRAY_ARRAY;
import static dev.lossforge.processor.emit.Types.SHAPE_BINDER;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.shape.ShapeInference.IndexUse;
import dev.lossforge.processor.shape.SymShape;
import dev.lossforge.shape.ShapeSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * A declaration's {@code prepare} method, which checks the inputs, binds their shapes and casts them to one float
 * dtype, and the shape binding that picks the declaration of a class with several.
 */
final class PrepareWriter {
    /** The longest list of prepared values written on one line (measured with types in full). */
    private static final int SHORT = 140;
    private final Declaration declaration;
    private final LossModel model;

    PrepareWriter(Declaration declaration) {
        this.declaration = declaration;
        this.model = declaration.model;
    }

    MethodSpec prepare() {
        CodeBlock.Builder code = CodeBlock.builder();
        code.addStatement("$T.arity(NAME, $L, inputs)", CHECKS, declaration.constant(GeneratedNames.INPUT_NAMES));
        List<CodeBlock> values = declaration.valueInputs().stream().map(i -> CodeBlock.of("inputs[$L]", model.inputs().indexOf(i))).toList();
        code.addStatement("$T dtype = $T.computeType(NAME, $L, new $T[] {$L})", Types.DATA_TYPE, CHECKS,
                declaration.constant(GeneratedNames.VALUE_NAMES), INDARRAY, CodeBlock.join(values, ", "));
        boolean shapedOptions = model.options().stream().anyMatch(o -> o.isTensor() && o.shape() != null);
        code.add("$T dims = ", SHAPE_BINDER).add(bindings(CodeBlock.of("inputs"), false)).add(shapedOptions ? ";\n" : "$>\n.finish();\n$<");
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() != null) {
                code.beginControlFlow("if (this.$1N != null && this.$1N.rank() > 0)", o.name())
                        .addStatement("dims.bind($S, this.$N, $L)", o.name(), o.name(), Declaration.shapeConstantOf(o.name()))
                        .endControlFlow();
            }
        }
        if (shapedOptions) {
            code.addStatement("dims.finish()"); // after the options' dims, which bind too
        }
        validRule(code);
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() == null) {
                for (SymShape into : broadcastTargets(o)) {
                    CodeBlock concrete = concreteShape(into);
                    if (concrete != null) {
                        code.beginControlFlow("if (this.$N != null)", o.name())
                                .addStatement("dims.broadcastsInto($S, this.$N, $L, $S)", o.torchName(), o.name(), concrete, into.toString())
                                .endControlFlow();
                    }
                }
            }
        }
        indexChecks(code);
        List<CodeBlock> prepared = new ArrayList<>();
        for (int i = 0; i < model.inputs().size(); i++) {
            prepared.add(model.inputs().get(i).index() ? CodeBlock.of("inputs[$L]", i) : CodeBlock.of("$T.cast(inputs[$L], dtype)", CONVERSIONS, i));
        }
        for (OptionParam o : model.options()) {
            if (o.isTensor()) {
                String fill = o.defaultValue().isEmpty() ? "0.0" : "(double) " + o.defaultValue().trim();
                CodeBlock shape = boundShape(o);
                prepared.add(shape == null
                        ? CodeBlock.of("this.$1N == null ? $2T.filled($3L, dtype) : $4T.cast(this.$1N, dtype)", o.name(), Types.OPTIONS, fill, CONVERSIONS)
                        : CodeBlock.of("this.$1N == null ? $2T.filled($3L, $4L, dtype) : $5T.cast(this.$1N, dtype)", o.name(), Types.OPTIONS, shape, fill, CONVERSIONS));
            }
        }
        CodeBlock oneLine = CodeBlock.join(prepared, ", ");
        if (oneLine.toString().length() <= SHORT) {
            code.addStatement("return new $T[] {$L}", INDARRAY, oneLine);
        } else {
            code.addStatement("return new $T[] {$>\n$L$<}", INDARRAY, CodeBlock.join(prepared, ",\n"));
        }
        return MethodSpec.methodBuilder(declaration.member("prepare")).addModifiers(Modifier.PRIVATE)
                .addJavadoc("Validates the inputs and returns them, then the tensor options, in one float dtype.\n")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(INDARRAY_ARRAY).addCode(code.build()).build();
    }

    /** {@code @Loss(valid)}: a rule over the options that calls of this declaration need. */
    private void validRule(CodeBlock.Builder code) {
        if (model.valid().isEmpty()) {
            return;
        }
        List<CodeBlock> got = model.options().stream().filter(o -> !o.isTensor() && model.valid().matches("(?s).*\\b" + o.name() + "\\b.*"))
                .map(o -> CodeBlock.of("$S + $N", o.torchName() + "=", o.name())).toList();
        // the options as fields: prepare's own locals (inputs, dims, dtype) must not hide an option of that name
        String rule = model.valid();
        for (OptionParam o : model.options()) {
            rule = rule.replaceAll("(?<![.\\w])" + o.name() + "\\b", "this." + o.name());
        }
        code.beginControlFlow("if (!($L))", rule)
                .addStatement("throw new $T(NAME + $S + $L)", IllegalArgumentException.class, ": with inputs "
                        + String.join(", ", model.inputs().stream().map(i -> i.name() + " " + i.shape()).toList())
                        + " the options must satisfy " + model.valid() + ", got ", got.isEmpty() ? CodeBlock.of("\"\"") : CodeBlock.join(got, " + \", \" + "))
                .endControlFlow();
    }

    private void indexChecks(CodeBlock.Builder code) {
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            IndexUse use = declaration.indexUses.get(in.name());
            if (in.index() && use != null && use.dim() != null) {
                String dim = in.indexDomain() != null ? in.indexDomain() : use.dim();
                if (use.ignoreIndex() == null) {
                    code.addStatement("$T.indices(NAME, $S, inputs[$L], $S, dims.dim($S))", CHECKS, in.name(), i, dim, dim);
                } else {
                    code.addStatement("$T.indices(NAME, $S, inputs[$L], $S, dims.dim($S), $L)", CHECKS, in.name(), i, dim, dim,
                            Scalars.render(use.ignoreIndex()));
                }
            }
        }
    }

    /**
     * A ShapeBinder chain binding every input of {@code inputs}, batched first when the declaration has an
     * optional batch dim and {@code addBatchDim}; it throws when the inputs do not fit this declaration.
     */
    CodeBlock bindings(CodeBlock inputs, boolean addBatchDim) {
        CodeBlock source = inputs;
        if (addBatchDim && model.optionalBatch() != null) {
            source = CodeBlock.of("($T.unbatched($L[0], $L) ? $T.addBatchDim($L, $L) : $L)", CONVERSIONS, inputs,
                    declaration.constant(GeneratedNames.BATCHED_RANK), CONVERSIONS, inputs, declaration.constant(GeneratedNames.HAS_BATCH_DIM), inputs);
        }
        CodeBlock.Builder code = CodeBlock.builder().add("new $T(NAME)", SHAPE_BINDER).indent();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            code.add("\n.bind($S, $L[$L], $L)", in.name(), source, i, declaration.shapeConstant(in.name()));
        }
        return code.unindent().build();
    }

    /**
     * The shapes a tensor option without a declared shape is broadcast into: those of the first values, computed
     * from it by broadcasting ops, that are not single values (its compile-time shape). PyTorch refuses an option
     * that would broadcast the loss beyond them (BCELoss's weight [4,2,3] on an input [2,3]).
     */
    private List<SymShape> broadcastTargets(OptionParam o) {
        Set<Node> fromOption = Graph.identitySet();
        Set<SymShape> targets = new LinkedHashSet<>();
        for (Node n : Graph.topologicalOrder(List.of(model.loss()))) {
            SymShape shape = declaration.shapes.get(n);
            if (n.op() == Op.OPTION_TENSOR && n.text().equals(o.name())) {
                fromOption.add(n);
            } else if (n.args().stream().anyMatch(fromOption::contains) && shape != null) {
                if (shape.isScalar()) {
                    fromOption.add(n);
                } else if (n.op().broadcastsOperands()) {
                    targets.add(shape);
                }
            }
        }
        return List.copyOf(targets);
    }

    /** A symbolic shape from the bound dims, or null when a dim is not a name, a size or a named variadic. */
    private static CodeBlock concreteShape(SymShape shape) {
        List<CodeBlock> parts = new ArrayList<>();
        for (String d : shape.prefix()) {
            parts.add(concreteDim(d));
        }
        if (shape.hasVariadic()) {
            parts.add(shape.isAnonymousVariadic() ? null : CodeBlock.of("dims.variadic($S)", shape.variadic()));
        }
        for (String d : shape.suffix()) {
            parts.add(concreteDim(d));
        }
        return parts.contains(null) ? null : CodeBlock.of("$T.concat($L)", Types.SHAPES, CodeBlock.join(parts, ", "));
    }

    private static CodeBlock concreteDim(String dim) {
        if (dim.matches("\\d+")) {
            return CodeBlock.of("new long[] {$LL}", dim);
        }
        return SymShape.isWildcard(dim) ? null : CodeBlock.of("new long[] {dims.dim($S)}", dim);
    }

    /**
     * An unset tensor option's declared shape from the bound dims ({@code new long[] {dims.dim("C")}}), so that it
     * behaves as a tensor of that shape filled with its default; null when the declaration has no shape, or one
     * with a dim that is not a name, a size or a named variadic.
     */
    private static CodeBlock boundShape(OptionParam o) {
        if (o.shape() == null) {
            return null;
        }
        List<CodeBlock> parts = new ArrayList<>();
        boolean variadic = false;
        for (ShapeSpec.Dim d : o.shape().dims()) {
            if (d instanceof ShapeSpec.Sym s) {
                parts.add(CodeBlock.of("new long[] {dims.dim($S)}", s.name()));
            } else if (d instanceof ShapeSpec.Const k) {
                parts.add(CodeBlock.of("new long[] {$LL}", k.value()));
            } else if (d instanceof ShapeSpec.Variadic v && v.name() != null) {
                parts.add(CodeBlock.of("dims.variadic($S)", v.name()));
                variadic = true;
            } else {
                return null;
            }
        }
        if (!variadic && parts.size() == 1) {
            return parts.get(0);
        }
        return CodeBlock.of("$T.concat($L)", Types.SHAPES, CodeBlock.join(parts, ", "));
    }
}
