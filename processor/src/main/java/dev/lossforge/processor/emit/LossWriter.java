package dev.lossforge.processor.emit;

import static dev.lossforge.processor.emit.Types.CHECKS;
import static dev.lossforge.processor.emit.Types.INDARRAY;
import static dev.lossforge.processor.emit.Types.INDARRAY_ARRAY;
import static dev.lossforge.processor.emit.Types.LOSS_AND_GRADIENTS;
import static dev.lossforge.processor.emit.Types.SHAPE_SPEC;

import com.squareup.javapoet.AnnotationSpec;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.JavaFile;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.shape.ShapeInference.IndexUse;
import dev.lossforge.processor.shape.SymShape;
import dev.lossforge.shape.ShapeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Phase 4: the model, its shapes and its gradient graph to a readable Java class. Each declaration gets one
 * {@code compute} body, planned by {@link BodyPlanner} and written by {@link BodyRenderer}; the public entry
 * points ({@code forward}, {@code backward}, ...) call it, saying what they want. {@link ClassSkeleton} writes the
 * members that follow from the signature, {@link PrepareWriter} the input checks, {@link PointwiseProgramWriter}
 * the fused program.
 */
public final class LossWriter {
    /** Set from {@code -Alossforge.generatedAnnotation}; one processor runs one compilation at a time. */
    private static volatile boolean generatedAnnotation = true;

    /**
     * One {@code @Loss} declaration of the class, compiled: its model, index uses, gradients and shapes.
     *
     * @param lossKeepsBatchDim whether the unreduced loss starts with the optional batch dim (then unbatched calls drop it)
     */
    public record Variant(LossModel model, Map<String, IndexUse> indexUses, Differentiator.Result gradients, boolean lossKeepsBatchDim,
            Map<Node, SymShape> shapes) {
    }

    /** An entry point: its name, what it asks compute() for, and what it returns of the result. */
    private enum Entry {
        FORWARD("forward", INDARRAY, "LOSS", ".loss()"),
        BACKWARD("backward", INDARRAY_ARRAY, "GRADIENTS", ".gradients()"),
        FORWARD_BACKWARD("forwardBackward", LOSS_AND_GRADIENTS, "LOSS_AND_GRADIENTS", ""),
        FORWARD_AND_FIRST_GRADIENT("forwardAndFirstGradient", LOSS_AND_GRADIENTS, "LOSS_AND_FIRST_GRADIENT", ""),
        FIRST_GRADIENT("firstGradient", INDARRAY, "FIRST_GRADIENT", ".gradients()[0]");

        final String method;
        final TypeName returns;
        /** the {@code runtime.Wanted} constant it passes to compute() */
        final String wanted;
        /** what of compute()'s result the entry point returns */
        final String result;

        Entry(String method, TypeName returns, String wanted, String result) {
            this.method = method;
            this.returns = returns;
            this.wanted = wanted;
            this.result = result;
        }
    }

    private final List<Declaration> declarations;
    private final LossModel model;
    private final ClassSkeleton skeleton;

    private LossWriter(List<Declaration> declarations) {
        this.declarations = declarations;
        this.model = declarations.get(0).model;
        this.skeleton = new ClassSkeleton(model);
    }

    /**
     * The class for one or more declarations of the same loss. With several, each call runs the first
     * declaration whose shapes its inputs bind, as PyTorch's CrossEntropyLoss takes class indices or, when the
     * target has the input's shape, probabilities.
     */
    public static JavaFile write(List<Variant> variants) {
        List<Declaration> declarations = variants.size() == 1 ? List.of(new Declaration(variants.get(0), ""))
                : variants.stream().map(v -> new Declaration(v, v.model().methodName())).toList();
        return new LossWriter(declarations).file();
    }

    public static void withGeneratedAnnotation(boolean enabled) {
        generatedAnnotation = enabled;
    }

    private JavaFile file() {
        TypeSpec.Builder type = TypeSpec.classBuilder(skeleton.self())
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .superclass(Types.GENERATED_LOSS)
                .addJavadoc(classComment());
        if (generatedAnnotation) {
            type.addAnnotation(AnnotationSpec.builder(Types.GENERATED)
                    .addMember("value", "$S", "dev.lossforge.processor.LossProcessor")
                    .addMember("comments", "$S", "from " + model.declaringType() + "." + model.methodName())
                    .build());
        }
        skeleton.classConstants(type);
        for (Declaration d : declarations) {
            declarationConstants(type, d);
        }
        skeleton.fields(type);
        skeleton.constructors(type);
        entryPoints(type);
        if (declarations.size() > 1) {
            dispatch(type);
        }
        for (Declaration d : declarations) {
            type.addMethod(BodyRenderer.compute(d, BodyPlanner.plan(d)));
            type.addMethod(new PrepareWriter(d).prepare());
        }
        skeleton.accessors(type);
        type.addType(skeleton.builderType());
        JavaFile.Builder file = JavaFile.builder(model.packageName(), type.build());
        if (declarations.stream().anyMatch(d -> d.fused != null)) {
            file.addStaticImport(Types.POINTWISE_OP, "*");
        }
        return file.skipJavaLangImports(true).indent("    ").build();
    }

    private CodeBlock classComment() {
        CodeBlock.Builder doc = CodeBlock.builder()
                .add("The {@code $L} loss, generated by LossForge from {@code $L.$L}:\n", model.className(),
                        Declaration.simpleName(model.declaringType()), model.methodName())
                .add("<pre>\n")
                .add("$L\n", escape(signatureLine()));
        for (String line : model.bodyLines()) {
            doc.add("    $L\n", escape(line));
        }
        return doc.add("</pre>\n")
                .add("Reductions: NONE returns the loss above; SUM its sum; MEAN $L.\n",
                        model.meanWeights() == null ? "its mean" : "its sum divided by the sum of the weights it was marked {@code weighted} with")
                .add("Instances are immutable and thread-safe.\n")
                .build();
    }

    private String signatureLine() {
        List<String> params = new ArrayList<>();
        for (Input in : model.inputs()) {
            params.add((in.index() ? "@Index " : "") + "Tensor " + in.name() + " " + in.shape());
        }
        for (OptionParam o : model.options()) {
            params.add("@Option(\"" + o.defaultValue() + "\") " + o.javaType() + " " + o.name());
        }
        return model.methodName() + "(" + String.join(", ", params) + ")";
    }

    private static String escape(String line) {
        return line.replace("@", "{@literal @}").replace("*/", "*&#47;");
    }

    private static void declarationConstants(TypeSpec.Builder type, Declaration d) {
        LossModel m = d.model;
        type.addField(constant(String[].class, d.constant(GeneratedNames.INPUT_NAMES))
                .initializer("{$L}", names(m.inputs())).build());
        type.addField(constant(String[].class, d.constant(GeneratedNames.VALUE_NAMES))
                .initializer("{$L}", names(d.valueInputs())).build());
        if (m.optionalBatch() != null) {
            type.addField(constant(int.class, d.constant(GeneratedNames.BATCHED_RANK))
                    .addJavadoc("The least rank of a batched first input; one less means an unbatched call.\n")
                    .initializer("$L", m.inputs().get(0).shape().dims().stream().filter(dim -> !(dim instanceof ShapeSpec.Variadic)).count())
                    .build());
            List<CodeBlock> batched = m.inputs().stream().map(in -> CodeBlock.of("$L", !in.shape().dims().isEmpty()
                    && in.shape().dims().get(0).toString().equals(m.optionalBatch()))).toList();
            type.addField(constant(boolean[].class, d.constant(GeneratedNames.HAS_BATCH_DIM))
                    .addJavadoc("Which inputs declare the leading batch dim $L.\n", m.optionalBatch())
                    .initializer("{$L}", CodeBlock.join(batched, ", ")).build());
        }
        for (Input in : m.inputs()) {
            type.addField(FieldSpec.builder(SHAPE_SPEC, d.shapeConstant(in.name()), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .initializer("$T.parse($S)", SHAPE_SPEC, in.shape().source()).build());
        }
        if (d.fused != null) {
            type.addField(d.fused.field());
        }
    }

    private static FieldSpec.Builder constant(Class<?> type, String name) {
        return FieldSpec.builder(type, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL);
    }

    private static CodeBlock names(List<Input> inputs) {
        return CodeBlock.join(inputs.stream().map(i -> CodeBlock.of("$S", i.name())).toList(), ", ");
    }

    // ------------------------------------------------------------------ entry points

    /** The public entry points: each asks compute() for what it returns. */
    private void entryPoints(TypeSpec.Builder type) {
        boolean firstGradient = declarations.stream().allMatch(Declaration::hasFirstGradient);
        for (Entry e : Entry.values()) {
            if (!firstGradient && (e == Entry.FORWARD_AND_FIRST_GRADIENT || e == Entry.FIRST_GRADIENT)) {
                continue; // the interface's defaults
            }
            MethodSpec.Builder method = MethodSpec.methodBuilder(e.method).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                    .varargs().returns(e.returns);
            if (e != Entry.FORWARD) {
                method.addParameter(INDARRAY, "gradOutput");
            }
            type.addMethod(method.addParameter(INDARRAY_ARRAY, "inputs")
                    .addStatement("return $L($T.$L, $L, inputs)$L", declarations.size() > 1 ? "compute" : declarations.get(0).member("compute"),
                            Types.WANTED, e.wanted, e == Entry.FORWARD ? "null" : "gradOutput", e.result)
                    .build());
        }
    }

    /** With several declarations: compute() runs the first declaration whose shapes the inputs bind. */
    private void dispatch(TypeSpec.Builder type) {
        MethodSpec.Builder pick = MethodSpec.methodBuilder("declarationFor").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("The first declaration whose shapes {@code inputs} bind; the first one's error when none does.\n")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(int.class)
                .addStatement("$T.arity(NAME, $L, inputs)", CHECKS, declarations.get(0).constant(GeneratedNames.INPUT_NAMES))
                .addStatement("$T firstError = null", IllegalArgumentException.class);
        for (int k = 0; k < declarations.size(); k++) {
            pick.beginControlFlow("try")
                    .addStatement("$L$>\n.finish()$<", new PrepareWriter(declarations.get(k)).bindings(CodeBlock.of("inputs"), true))
                    .addStatement("return $L", k)
                    .nextControlFlow("catch ($T e)", IllegalArgumentException.class)
                    .addStatement("firstError = firstError == null ? e : firstError")
                    .endControlFlow();
        }
        type.addMethod(pick.addStatement("throw firstError").build());
        MethodSpec.Builder compute = MethodSpec.methodBuilder("compute").addModifiers(Modifier.PRIVATE)
                .addParameter(Types.WANTED, "wanted").addParameter(INDARRAY, "gradOutput")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(LOSS_AND_GRADIENTS)
                .beginControlFlow("switch (declarationFor(inputs))");
        for (int k = 0; k < declarations.size(); k++) {
            String target = declarations.get(k).member("compute") + "(wanted, gradOutput, inputs)";
            compute.addStatement("$L: return $L", k == declarations.size() - 1 ? "default" : "case " + k, target);
        }
        type.addMethod(compute.endControlFlow().build());
    }
}
