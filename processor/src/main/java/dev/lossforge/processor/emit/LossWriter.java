package dev.lossforge.processor.emit;

import com.squareup.javapoet.AnnotationSpec;
import com.squareup.javapoet.ArrayTypeName;
import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.JavaFile;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.NameAllocator;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.shape.ShapeInference.IndexUse;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Phase 4: the model, its shapes and its gradient graph to a readable Java class. Every intermediate is a
 * named local with a comment naming the DSL expression it computes; forward and backward each compute only
 * what they need.
 */
public final class LossWriter {
    private static final String RUNTIME = "dev.lossforge.runtime";
    static final ClassName INDARRAY = ClassName.get("org.nd4j.linalg.api.ndarray", "INDArray");
    static final ClassName DATA_TYPE = ClassName.get("org.nd4j.linalg.api.buffer", "DataType");
    static final ClassName ND4J = ClassName.get("org.nd4j.linalg.factory", "Nd4j");
    static final ClassName KERNELS = ClassName.get(RUNTIME, "Kernels");
    static final ClassName CHECKS = ClassName.get(RUNTIME, "Checks");
    static final ClassName OPTIONS = ClassName.get(RUNTIME, "Options");
    static final ClassName REDUCTIONS = ClassName.get(RUNTIME, "Reductions");
    static final ClassName SHAPE_BINDER = ClassName.get(RUNTIME, "ShapeBinder");
    static final ClassName SHAPE_SPEC = ClassName.get("dev.lossforge.shape", "ShapeSpec");
    static final ClassName LOSS_FUNCTION = ClassName.get("dev.lossforge", "LossFunction");
    static final ClassName LOSS_BUILDER = ClassName.get("dev.lossforge", "LossBuilder");
    static final ClassName LOSS_SIGNATURE = ClassName.get("dev.lossforge", "LossSignature");
    static final ClassName LOSS_AND_GRADIENTS = ClassName.get("dev.lossforge", "LossAndGradients");
    static final ClassName REDUCTION = ClassName.get("dev.lossforge", "Reduction");
    static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
    static final ArrayTypeName INDARRAY_ARRAY = ArrayTypeName.of(INDARRAY);

    /** Set from {@code -Alossforge.generatedAnnotation}; one processor runs one compilation at a time. */
    private static volatile boolean generatedAnnotation = true;

    private final LossModel model;
    private final Map<String, IndexUse> indexUses;
    private final Differentiator.Result gradients;
    private final ClassName self;
    private final ClassName builder;
    private final List<Input> valueInputs;
    /** Empty for a loss declared once; the declaring method's name for each of several declarations. */
    private final String prefix;
    /** Whether an unbatched call's unreduced loss loses its batch dim of one. */
    private final boolean dropsBatchDim;
    /** The fused CPU path, when every op is pointwise; else null. */
    private final PointwiseProgramWriter fused;
    private final Map<Node, dev.lossforge.processor.shape.SymShape> shapes;

    /** One {@code @Loss} declaration of the class, compiled: its model, index uses and gradients. */
    /** @param lossKeepsBatchDim whether the unreduced loss starts with the optional batch dim (then unbatched calls drop it) */
    public record Variant(LossModel model, Map<String, IndexUse> indexUses, Differentiator.Result gradients, boolean lossKeepsBatchDim,
            Map<Node, dev.lossforge.processor.shape.SymShape> shapes) {
    }

    private LossWriter(Variant variant, String prefix) {
        this.model = variant.model();
        this.indexUses = variant.indexUses();
        this.gradients = variant.gradients();
        this.self = ClassName.get(model.packageName(), model.className());
        this.builder = self.nestedClass("Builder");
        this.valueInputs = model.inputs().stream().filter(i -> !i.index()).toList();
        this.prefix = prefix;
        this.dropsBatchDim = model.optionalBatch() != null && variant.lossKeepsBatchDim();
        this.fused = PointwiseProgramWriter.of(model, gradients, variant.shapes(), constant(GeneratedNames.PROGRAM));
        this.shapes = variant.shapes();
    }

    /**
     * The class for one or more declarations of the same loss. With several, each call runs the first
     * declaration whose shapes its inputs bind, as PyTorch's CrossEntropyLoss takes class indices or, when the
     * target has the input's shape, probabilities.
     */
    public static JavaFile write(List<Variant> variants) {
        if (variants.size() == 1) {
            return new LossWriter(variants.get(0), "").file(List.of());
        }
        List<LossWriter> writers = variants.stream().map(v -> new LossWriter(v, v.model().methodName())).toList();
        return writers.get(0).file(writers);
    }

    public static void withGeneratedAnnotation(boolean enabled) {
        generatedAnnotation = enabled;
    }

    /** A per-declaration member name: {@code forward}, or {@code crossEntropyProbabilitiesForward}. */
    private String member(String name) {
        return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    /** A per-declaration constant: {@code INPUT_NAMES}, or {@code CROSS_ENTROPY_PROBABILITIES_INPUT_NAMES}. */
    private String constant(String name) {
        return prefix.isEmpty() ? name : upperSnake(prefix) + "_" + name;
    }

    private static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }

    /** @param variants every declaration's writer when there are several (this one first), else empty */
    private JavaFile file(List<LossWriter> variants) {
        TypeSpec.Builder type = TypeSpec.classBuilder(self)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(LOSS_FUNCTION)
                .addSuperinterface(java.io.Serializable.class)
                .addJavadoc(classComment());
        if (generatedAnnotation) {
            type.addAnnotation(AnnotationSpec.builder(GENERATED)
                    .addMember("value", "$S", "dev.lossforge.processor.LossProcessor")
                    .addMember("comments", "$S", "from " + model.declaringType() + "." + model.methodName())
                    .build());
        }
        classConstants(type);
        fields(type);
        constructors(type);
        type.addMethod(MethodSpec.methodBuilder("builder").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(builder).addStatement("return new $T()", builder).build());
        if (variants.isEmpty()) {
            declarationMembers(type);
        } else {
            dispatch(type, variants);
            for (LossWriter v : variants) {
                v.declarationMembers(type);
            }
        }
        accessors(type);
        type.addType(builderType());
        JavaFile.Builder file = JavaFile.builder(model.packageName(), type.build());
        boolean anyProgram = variants.isEmpty() ? fused != null : variants.stream().anyMatch(v -> v.fused != null);
        if (anyProgram) {
            file.addStaticImport(PointwiseProgramWriter.POINTWISE_OP, "*");
        }
        return file
                .skipJavaLangImports(true)
                .indent("    ")
                .build();
    }

    private CodeBlock classComment() {
        CodeBlock.Builder doc = CodeBlock.builder()
                .add("The {@code $L} loss, generated by LossForge from {@code $L.$L}:\n", model.className(), simpleName(model.declaringType()), model.methodName())
                .add("<pre>\n");
        doc.add("$L\n", escape(signatureLine()));
        for (String line : model.bodyLines()) {
            doc.add("    $L\n", escape(line));
        }
        doc.add("</pre>\n")
                .add("Reductions: NONE returns the loss above; SUM its sum; MEAN $L.\n",
                        model.meanWeights() == null ? "its mean" : "its sum divided by the sum of the weights it was marked {@code weighted} with")
                .add("Instances are immutable and thread-safe.\n");
        return doc.build();
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
        return line.replace("@", "{@literal @}").replace("*/", "*&#47;").replace("$", "$$");
    }

    private static String simpleName(String qualified) {
        return qualified.substring(qualified.lastIndexOf('.') + 1);
    }

    // ------------------------------------------------------------------ constants, fields, constructors

    /** The constants, forward, backward and prepare of one declaration. */
    private void declarationMembers(TypeSpec.Builder type) {
        declarationConstants(type);
        type.addMethod(forward());
        type.addMethod(backward());
        type.addMethod(forwardBackward());
        if (model.inputs().get(0).differentiable()) {
            type.addMethod(forwardAndFirstGradient());
            if (fused != null || !prefix.isEmpty()) {
                // alone and unfused, the interface's default does the same
                type.addMethod(firstGradient());
            }
        }
        type.addMethod(prepare());
    }

    private void classConstants(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(long.class, GeneratedNames.SERIAL_VERSION, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("1L").build());
        type.addField(FieldSpec.builder(String.class, GeneratedNames.NAME, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("$S", model.className()).build());
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() != null) {
                type.addField(FieldSpec.builder(SHAPE_SPEC, shapeConstant(o.name()), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                        .initializer("$T.parse($S)", SHAPE_SPEC, o.shape().source()).build());
            }
        }
        signatureConstant(type);
    }

    private void declarationConstants(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(String[].class, constant(GeneratedNames.INPUT_NAMES), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("{$L}", model.inputs().stream().map(i -> CodeBlock.of("$S", i.name()).toString()).collect(Collectors.joining(", ")))
                .build());
        type.addField(FieldSpec.builder(String[].class, constant(GeneratedNames.VALUE_NAMES), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("{$L}", valueInputs.stream().map(i -> CodeBlock.of("$S", i.name()).toString()).collect(Collectors.joining(", ")))
                .build());
        if (model.optionalBatch() != null) {
            type.addField(FieldSpec.builder(int.class, constant(GeneratedNames.BATCHED_RANK), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("The least rank of a batched first input; one less means an unbatched call.\n")
                    .initializer("$L", model.inputs().get(0).shape().dims().stream().filter(d -> !(d instanceof dev.lossforge.shape.ShapeSpec.Variadic)).count())
                    .build());
            type.addField(FieldSpec.builder(boolean[].class, constant(GeneratedNames.HAS_BATCH_DIM), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .addJavadoc("Which inputs declare the leading batch dim $L.\n", model.optionalBatch())
                    .initializer("{$L}", model.inputs().stream().map(in -> Boolean.toString(!in.shape().dims().isEmpty()
                            && in.shape().dims().get(0).toString().equals(model.optionalBatch()))).collect(Collectors.joining(", ")))
                    .build());
        }
        for (Input in : model.inputs()) {
            type.addField(FieldSpec.builder(SHAPE_SPEC, constant(shapeConstant(in.name())), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                    .initializer("$T.parse($S)", SHAPE_SPEC, in.shape().source()).build());
        }
        if (fused != null) {
            type.addField(fused.field());
        }
    }

    /** The signature is the first declaration's. */
    private void signatureConstant(TypeSpec.Builder type) {
        CodeBlock.Builder inputs = CodeBlock.builder();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            inputs.add(i == 0 ? "" : ",\n").add("new $T.Input($S, $S, $L, $L)", LOSS_SIGNATURE, in.name(), in.shape().source(), in.index(), in.noGrad());
        }
        CodeBlock.Builder options = CodeBlock.builder();
        for (int i = 0; i < model.options().size(); i++) {
            OptionParam o = model.options().get(i);
            options.add(i == 0 ? "" : ",\n").add("new $T.OptionInfo($S, $S, $S)", LOSS_SIGNATURE, o.torchName(),
                    o.isTensor() ? "INDArray" : o.javaType(), o.defaultValue());
        }
        type.addField(FieldSpec.builder(LOSS_SIGNATURE, GeneratedNames.SIGNATURE, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("new $T(NAME,\n$T.of($>$>\n$L$<$<),\n$T.of($>$>$L$<$<))", LOSS_SIGNATURE, List.class, inputs.build(), List.class,
                        model.options().isEmpty() ? CodeBlock.of("") : CodeBlock.of("\n$L", options.build()))
                .build());
    }

    private static String shapeConstant(String param) {
        return param.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT) + GeneratedNames.SHAPE_SUFFIX;
    }

    private static TypeName optionType(OptionParam o) {
        return switch (o.javaType()) {
            case "double" -> TypeName.DOUBLE;
            case "float" -> TypeName.FLOAT;
            case "int" -> TypeName.INT;
            case "long" -> TypeName.LONG;
            case "boolean" -> TypeName.BOOLEAN;
            case "String" -> ClassName.get(String.class);
            default -> INDARRAY;
        };
    }

    private void fields(TypeSpec.Builder type) {
        type.addField(REDUCTION, "reduction", Modifier.PRIVATE, Modifier.FINAL);
        for (OptionParam o : model.options()) {
            FieldSpec.Builder f = FieldSpec.builder(optionType(o), o.name(), Modifier.PRIVATE, Modifier.FINAL);
            if (o.isTensor()) {
                f.addJavadoc("Null until set: then it behaves as a tensor filled with $L.\n", o.defaultValue().isEmpty() ? "0" : o.defaultValue());
            }
            type.addField(f.build());
        }
    }

    private void constructors(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC)
                .addJavadoc("Every option at its default, reduction MEAN.\n")
                .addStatement("this(new $T())", builder).build());
        MethodSpec.Builder fromBuilder = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE)
                .addParameter(builder, "builder")
                .addStatement("this.reduction = builder.reduction");
        for (OptionParam o : model.options()) {
            fromBuilder.addStatement(o.isTensor() ? "this.$1N = builder.$1N == null ? null : builder.$1N.dup()" : "this.$1N = builder.$1N", o.name());
        }
        type.addMethod(fromBuilder.build());
    }

    // ------------------------------------------------------------------ forward and backward

    private MethodSpec forward() {
        Body body = new Body();
        body.prologue();
        body.fusedPath("forward");
        Node loss = model.loss();
        body.plan(java.util.Arrays.asList(loss, model.meanWeights()));
        body.compute(java.util.Arrays.asList(loss, model.meanWeights()));
        body.code.addStatement("$T value = $T.reduce(reduction, $L, $L, $L)", INDARRAY, REDUCTIONS, body.ref(loss),
                model.meanWeights() == null ? "null" : body.ref(model.meanWeights()), body.ref(model.inputs().get(0).node()));
        if (dropsBatchDim) {
            body.code.addStatement("value = unbatched ? $T.dropBatchDim(value, reduction) : value", CHECKS);
        }
        body.code.addStatement("return $T.resultLike(value, inputs[0])", CHECKS);
        return declarationMethod("forward")
                .varargs().addParameter(INDARRAY_ARRAY, "inputs").returns(INDARRAY).addCode(body.code.build()).build();
    }

    private MethodSpec backward() {
        Body body = new Body();
        body.prologue();
        body.fusedPath("backward");
        body.gradients();
        body.code.addStatement("return $L", body.gradientArray());
        return declarationMethod("backward")
                .varargs().addParameter(INDARRAY, "gradOutput").addParameter(INDARRAY_ARRAY, "inputs").returns(INDARRAY_ARRAY)
                .addCode(body.code.build()).build();
    }

    private MethodSpec forwardBackward() {
        Body body = new Body();
        body.prologue();
        body.fusedPath("forwardBackward");
        body.gradients();
        body.code.addStatement("$T value = $T.reduce(reduction, $L, $L, $L)", INDARRAY, REDUCTIONS, body.ref(model.loss()),
                model.meanWeights() == null ? "null" : body.ref(model.meanWeights()), body.ref(model.inputs().get(0).node()));
        if (dropsBatchDim) {
            body.code.addStatement("value = unbatched ? $T.dropBatchDim(value, reduction) : value", CHECKS);
        }
        body.code.addStatement("return new $T($T.resultLike(value, inputs[0]), $L)", LOSS_AND_GRADIENTS, CHECKS, body.gradientArray());
        return declarationMethod("forwardBackward")
                .addJavadoc("Forward and backward in one pass, sharing every intermediate.\n")
                .varargs().addParameter(INDARRAY, "gradOutput").addParameter(INDARRAY_ARRAY, "inputs").returns(LOSS_AND_GRADIENTS)
                .addCode(body.code.build()).build();
    }

    /** forward, backward or forwardBackward: the public override, or a private one of several declarations. */
    private MethodSpec.Builder declarationMethod(String name) {
        if (prefix.isEmpty()) {
            return MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC);
        }
        return MethodSpec.methodBuilder(member(name)).addModifiers(Modifier.PRIVATE)
                .addJavadoc("{@code $L} for inputs that fit {@code $L.$L}.\n", name, simpleName(model.declaringType()), model.methodName());
    }

    /**
     * With several declarations: the public forward, backward and forwardBackward run the first declaration
     * whose shapes the inputs bind.
     */
    private void dispatch(TypeSpec.Builder type, List<LossWriter> variants) {
        MethodSpec.Builder pick = MethodSpec.methodBuilder("declarationFor").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("The first declaration whose shapes {@code inputs} bind; the first one's error when none does.\n")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(int.class)
                .addStatement("$T.arity(NAME, $L, inputs)", CHECKS, constant(GeneratedNames.INPUT_NAMES))
                .addStatement("$T firstError = null", IllegalArgumentException.class);
        for (int k = 0; k < variants.size(); k++) {
            LossWriter v = variants.get(k);
            pick.beginControlFlow("try");
            pick.addStatement("$L", v.bindAll("inputs"));
            pick.addStatement("return $L", k);
            pick.nextControlFlow("catch ($T e)", IllegalArgumentException.class);
            pick.addStatement("firstError = firstError == null ? e : firstError");
            pick.endControlFlow();
        }
        type.addMethod(pick.addStatement("throw firstError").build());
        boolean firstGradient = variants.stream().allMatch(v -> v.model.inputs().get(0).differentiable());
        List<String[]> methodList = new ArrayList<>(List.of(new String[] {"forward", "inputs"}, new String[] {"backward", "gradOutput, inputs"},
                new String[] {"forwardBackward", "gradOutput, inputs"}));
        if (firstGradient) {
            methodList.add(new String[] {"forwardAndFirstGradient", "gradOutput, inputs"});
            methodList.add(new String[] {"firstGradient", "gradOutput, inputs"});
        }
        String[][] methods = methodList.toArray(new String[0][]);
        for (String[] m : methods) {
            MethodSpec.Builder method = MethodSpec.methodBuilder(m[0]).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC).varargs();
            if (!m[0].equals("forward")) {
                method.addParameter(INDARRAY, "gradOutput");
            }
            method.addParameter(INDARRAY_ARRAY, "inputs")
                    .returns(m[0].equals("forward") || m[0].equals("firstGradient") ? INDARRAY
                            : m[0].equals("backward") ? INDARRAY_ARRAY : LOSS_AND_GRADIENTS);
            method.beginControlFlow("switch (declarationFor(inputs))");
            for (int k = 0; k < variants.size(); k++) {
                String target = variants.get(k).member(m[0]) + "(" + m[1] + ")";
                if (k == variants.size() - 1) {
                    method.addStatement("default: return $L", target);
                } else {
                    method.addStatement("case $L: return $L", k, target);
                }
            }
            type.addMethod(method.endControlFlow().build());
        }
    }

    /**
     * The shapes a tensor option without a declared shape is broadcast into: those of the first values, computed
     * from it by broadcasting ops, that are not single values (its compile-time shape). PyTorch refuses an option
     * that would broadcast the loss beyond them (BCELoss's weight [4,2,3] on an input [2,3]).
     */
    private List<dev.lossforge.processor.shape.SymShape> broadcastTargets(OptionParam o) {
        java.util.Set<Node> fromOption = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        java.util.Set<dev.lossforge.processor.shape.SymShape> targets = new java.util.LinkedHashSet<>();
        for (Node n : Graph.topologicalOrder(List.of(model.loss()))) {
            if (n.op() == Op.OPTION_TENSOR && n.text().equals(o.name())) {
                fromOption.add(n);
            } else if (n.args().stream().anyMatch(fromOption::contains) && shapes.get(n) != null) {
                if (shapes.get(n).isScalar()) {
                    fromOption.add(n);
                } else if (n.op().broadcastsOperands()) {
                    targets.add(shapes.get(n));
                }
            }
        }
        return List.copyOf(targets);
    }

    /** A symbolic shape from the bound dims, or null when a dim is not a name, a size or a named variadic. */
    private static CodeBlock concreteShape(dev.lossforge.processor.shape.SymShape shape) {
        List<CodeBlock> parts = new ArrayList<>();
        for (String d : shape.prefix()) {
            CodeBlock part = concreteDim(d);
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        if (shape.hasVariadic()) {
            if (shape.isAnonymousVariadic()) {
                return null;
            }
            parts.add(CodeBlock.of("dims.variadic($S)", shape.variadic()));
        }
        for (String d : shape.suffix()) {
            CodeBlock part = concreteDim(d);
            if (part == null) {
                return null;
            }
            parts.add(part);
        }
        return CodeBlock.of("$T.concat($L)", CHECKS, CodeBlock.join(parts, ", "));
    }

    private static CodeBlock concreteDim(String dim) {
        if (dim.matches("\\d+")) {
            return CodeBlock.of("new long[] {$LL}", dim);
        }
        return dev.lossforge.processor.shape.SymShape.isWildcard(dim) ? null : CodeBlock.of("new long[] {dims.dim($S)}", dim);
    }

    /**
     * An unset tensor option's declared shape from the bound dims ({@code new long[] {dims.dim("C")}}), so that it
     * behaves as a tensor of that shape filled with its default; null when the declaration has no shape, or one
     * with a dim that is not a name, a size or a named variadic.
     */
    private CodeBlock boundShape(OptionParam o) {
        if (o.shape() == null) {
            return null;
        }
        List<CodeBlock> parts = new ArrayList<>();
        boolean variadic = false;
        for (dev.lossforge.shape.ShapeSpec.Dim d : o.shape().dims()) {
            if (d instanceof dev.lossforge.shape.ShapeSpec.Sym s) {
                parts.add(CodeBlock.of("new long[] {dims.dim($S)}", s.name()));
            } else if (d instanceof dev.lossforge.shape.ShapeSpec.Const k) {
                parts.add(CodeBlock.of("new long[] {$LL}", k.value()));
            } else if (d instanceof dev.lossforge.shape.ShapeSpec.Variadic v && v.name() != null) {
                parts.add(CodeBlock.of("dims.variadic($S)", v.name()));
                variadic = true;
            } else {
                return null;
            }
        }
        if (!variadic && parts.size() == 1) {
            return parts.get(0);
        }
        return CodeBlock.of("$T.concat($L)", CHECKS, CodeBlock.join(parts, ", "));
    }

    /** A ShapeBinder chain over every input, as an expression: throws when the inputs do not fit this declaration. */
    private CodeBlock bindAll(String raw) {
        String inputs = raw;
        if (model.optionalBatch() != null) {
            inputs = CodeBlock.of("($T.unbatched($L[0], $L) ? $T.addBatchDim($L, $L) : $L)", CHECKS, raw, constant(GeneratedNames.BATCHED_RANK),
                    CHECKS, raw, constant(GeneratedNames.HAS_BATCH_DIM), raw).toString();
        }
        CodeBlock.Builder code = CodeBlock.builder().add("new $T(NAME)", SHAPE_BINDER).indent();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            code.add("\n.bind($S, $L[$L], $L)", in.name(), inputs, i, constant(shapeConstant(in.name())));
        }
        return code.add("\n.finish()").unindent().build();
    }

    /** Like forwardBackward, computing only the first input's gradient (the others are left null). */
    private MethodSpec forwardAndFirstGradient() {
        Body body = new Body();
        body.prologue();
        body.fusedPath("forwardAndFirstGradient");
        Input first = model.inputs().get(0);
        body.gradients(List.of(gradients.inputGradients().get(first.name())));
        body.code.addStatement("$T value = $T.reduce(reduction, $L, $L, $L)", INDARRAY, REDUCTIONS, body.ref(model.loss()),
                model.meanWeights() == null ? "null" : body.ref(model.meanWeights()), body.ref(first.node()));
        if (dropsBatchDim) {
            body.code.addStatement("value = unbatched ? $T.dropBatchDim(value, reduction) : value", CHECKS);
        }
        body.code.addStatement("$T[] gradients = new $T[$L]", INDARRAY, INDARRAY, model.inputs().size());
        String gradient = body.ref(gradients.inputGradients().get(first.name()));
        body.code.addStatement(gradients.mayBeNull() ? "gradients[0] = $T.like($T.orZeros($L, $L), inputs[0])" : "gradients[0] = $T.like($L, inputs[0])",
                gradients.mayBeNull() ? new Object[] {CHECKS, KERNELS, gradient, body.ref(first.node())} : new Object[] {CHECKS, gradient});
        body.code.addStatement("return new $T($T.resultLike(value, inputs[0]), gradients)", LOSS_AND_GRADIENTS, CHECKS);
        return declarationMethod("forwardAndFirstGradient")
                .addJavadoc("The loss and the gradient of {@code $L} only, as a training step needs.\n", first.name())
                .varargs().addParameter(INDARRAY, "gradOutput").addParameter(INDARRAY_ARRAY, "inputs").returns(LOSS_AND_GRADIENTS)
                .addCode(body.code.build()).build();
    }

    /**
     * The first input's gradient without the loss's value (DL4J's computeGradient): the fused path runs no step
     * that only the value needs; elsewhere it is forwardAndFirstGradient's gradient.
     */
    private MethodSpec firstGradient() {
        Body body = new Body();
        body.prologue();
        body.fusedPath("firstGradient");
        body.code.addStatement("return $L(gradOutput, inputs).gradients()[0]", prefix.isEmpty() ? "forwardAndFirstGradient"
                : member("forwardAndFirstGradient"));
        Input first = model.inputs().get(0);
        return declarationMethod("firstGradient")
                .addJavadoc("The gradient of {@code $L} alone, without the loss's value.\n", first.name())
                .varargs().addParameter(INDARRAY, "gradOutput").addParameter(INDARRAY_ARRAY, "inputs").returns(INDARRAY)
                .addCode(body.code.build()).build();
    }

    /** Checks the inputs, binds their shapes, and casts values to one float dtype. */
    private MethodSpec prepare() {
        CodeBlock.Builder code = CodeBlock.builder();
        code.addStatement("$T.arity(NAME, $L, inputs)", CHECKS, constant(GeneratedNames.INPUT_NAMES));
        code.addStatement("$T dtype = $T.computeType(NAME, $L, new $T[] {$L})", DATA_TYPE, CHECKS, constant(GeneratedNames.VALUE_NAMES), INDARRAY,
                valueInputs.stream().map(i -> "inputs[" + model.inputs().indexOf(i) + "]").collect(Collectors.joining(", ")));
        code.add("$T dims = new $T(NAME)", SHAPE_BINDER, SHAPE_BINDER).indent();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            code.add("\n.bind($S, inputs[$L], $L)", in.name(), i, constant(shapeConstant(in.name())));
        }
        code.unindent().add(";\n");
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() != null) {
                code.beginControlFlow("if (this.$1N != null && this.$1N.rank() > 0)", o.name())
                        .addStatement("dims.bind($S, this.$N, $L)", o.name(), o.name(), shapeConstant(o.name()))
                        .endControlFlow();
            }
        }
        code.addStatement("dims.finish()");
        if (!model.valid().isEmpty()) {
            // @Loss(valid): a rule over the options that calls of this declaration need
            String got = model.options().stream().filter(o -> !o.isTensor() && model.valid().matches("(?s).*\\b" + o.name() + "\\b.*"))
                    .map(o -> CodeBlock.of("$S + $N", o.torchName() + "=", o.name()).toString()).collect(Collectors.joining(" + \", \" + "));
            // the options as fields: prepare's own locals (inputs, dims, dtype) must not hide an option of that name
            String rule = model.valid();
            for (OptionParam o : model.options()) {
                rule = rule.replaceAll("(?<![.\\w])" + o.name() + "\\b", "this." + o.name());
            }
            code.beginControlFlow("if (!($L))", rule)
                    .addStatement("throw new $T(NAME + $S + $L)", IllegalArgumentException.class, ": with inputs "
                            + model.inputs().stream().map(i -> i.name() + " " + i.shape()).collect(Collectors.joining(", "))
                            + " the options must satisfy " + model.valid() + ", got ", got.isEmpty() ? "\"\"" : got)
                    .endControlFlow();
        }
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() == null) {
                for (dev.lossforge.processor.shape.SymShape into : broadcastTargets(o)) {
                    CodeBlock concrete = concreteShape(into);
                    if (concrete != null) {
                        code.beginControlFlow("if (this.$N != null)", o.name())
                                .addStatement("dims.broadcastsInto($S, this.$N, $L, $S)", o.torchName(), o.name(), concrete, into.toString())
                                .endControlFlow();
                    }
                }
            }
        }
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            IndexUse use = indexUses.get(in.name());
            if (in.index() && use != null && use.dim() != null) {
                String dim = in.indexDomain() != null ? in.indexDomain() : use.dim();
                if (use.ignoreIndex() == null) {
                    code.addStatement("$T.indices(NAME, $S, inputs[$L], $S, dims.dim($S))", CHECKS, in.name(), i, dim, dim);
                } else {
                    code.addStatement("$T.indices(NAME, $S, inputs[$L], $S, dims.dim($S), $L)", CHECKS, in.name(), i, dim, dim, use.ignoreIndex());
                }
            }
        }
        List<CodeBlock> values = new ArrayList<>();
        for (int i = 0; i < model.inputs().size(); i++) {
            Input in = model.inputs().get(i);
            values.add(in.index() ? CodeBlock.of("inputs[$L]", i) : CodeBlock.of("$T.cast(inputs[$L], dtype)", CHECKS, i));
        }
        for (OptionParam o : model.options()) {
            if (o.isTensor()) {
                String fill = o.defaultValue().isEmpty() ? "0.0" : "(double) " + o.defaultValue().trim();
                CodeBlock shape = boundShape(o);
                values.add(shape == null
                        ? CodeBlock.of("this.$1N == null ? $2T.filled($3L, dtype) : $2T.cast(this.$1N, dtype)", o.name(), CHECKS, fill)
                        : CodeBlock.of("this.$1N == null ? $2T.filled($3L, $4L, dtype) : $2T.cast(this.$1N, dtype)",
                                o.name(), CHECKS, shape, fill));
            }
        }
        code.addStatement("return new $T[] {$>\n$L$<}", INDARRAY, CodeBlock.join(values, ",\n"));
        return MethodSpec.methodBuilder(member("prepare")).addModifiers(Modifier.PRIVATE)
                .addJavadoc("Validates the inputs and returns them, then the tensor options, in one float dtype.\n")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(INDARRAY_ARRAY).addCode(code.build()).build();
    }

    /** One method body: names every node it computes and emits each once, arguments first. */
    private final class Body {
        final CodeBlock.Builder code = CodeBlock.builder();
        NameAllocator names = new NameAllocator();
        final Map<Node, String> locals = new IdentityHashMap<>();
        /**
         * Set once the forward values are computed: a value recomputed for the gradients was checked on the way
         * forward if its ?: branch was taken, and must not be checked at all if it was not.
         */
        boolean gradientPhase;
        /** The tensor options' locals, in declaration order. */
        final List<String> optionLocals = new ArrayList<>();

        /**
         * The fused path of {@code entry} ("forward", "backward", "forwardBackward" or "forwardAndFirstGradient"),
         * returning from the method when it applies: the ops before the program, the program, the ops after it.
         * The general path follows it and recomputes what it needs (locals are scoped to the fused block).
         */
        void fusedPath(String entry) {
            if (fused == null) {
                return;
            }
            boolean wantsLoss = !entry.equals("backward") && !entry.equals("firstGradient");
            boolean firstOnly = entry.equals("forwardAndFirstGradient") || entry.equals("firstGradient");
            boolean wantsGradients = !entry.equals("forward");
            Map<Node, String> outside = new IdentityHashMap<>(locals);
            // the block's locals end with it: the general path after it may reuse their names
            NameAllocator namesOutside = names.clone();
            code.add("// float32 on the CPU: the pointwise part fused into one pass ($L), the rest by its kernels\n", constant(GeneratedNames.PROGRAM));
            code.beginControlFlow("if ($T.mayApply($N))", PointwiseProgramWriter.PROGRAM, locals.get(model.inputs().get(0).node()));
            for (Node n : fused.preconditions()) {
                String label = n.arg(0).op() == Op.INPUT ? n.arg(0).text() : n.arg(0).toString();
                String args = n.args().stream().filter(a -> a.op() != Op.SCALAR).map(this::ref).collect(Collectors.joining(", "));
                code.addStatement("$T.$L(NAME, $S, $L)", CHECKS, n.op().precondition(), label, args);
            }
            List<Node> before = fused.inputs().stream().filter(n -> !locals.containsKey(n)).toList();
            plan(before);
            for (Node n : before) {
                String guard = fused.guard(n);
                if (guard == null) {
                    compute(List.of(n));
                } else {
                    String name = names.newName(localName(n));
                    code.addStatement("$T $N = null", INDARRAY, name);
                    code.beginControlFlow("if ($L)", guard);
                    branch(n, name);
                    code.endControlFlow();
                    locals.put(n, name);
                }
            }
            List<String> args = new ArrayList<>();
            for (Node n : fused.inputs()) {
                args.add(ref(n));
            }
            args.addAll(optionLocals);
            args.addAll(fused.scalarExpressions());
            List<Node> outputs = fused.outputs();
            String wanted = !wantsGradients || outputs.isEmpty() ? "null" : "new boolean[] {" + outputs.stream()
                    .map(o -> Boolean.toString(!firstOnly || fused.neededForFirstGradient(o))).collect(Collectors.joining(", ")) + "}";
            code.addStatement("$T fused = $L.evaluate(reduction, $L, $L, $L, $L)", LOSS_AND_GRADIENTS, constant(GeneratedNames.PROGRAM),
                    wantsGradients ? "gradOutput" : "null", wantsLoss, wanted, String.join(", ", args));
            code.beginControlFlow("if (fused != null)");
            if (wantsLoss) {
                code.addStatement("$T value = fused.loss()", INDARRAY);
                if (dropsBatchDim) {
                    code.addStatement("value = unbatched ? $T.dropBatchDim(value, reduction) : value", CHECKS);
                }
            }
            if (wantsGradients) {
                for (int k = 0; k < outputs.size(); k++) {
                    Node out = outputs.get(k);
                    if (!firstOnly || fused.neededForFirstGradient(out)) {
                        String name = names.newName(localName(out));
                        code.addStatement("$T $N = fused.gradients()[$L]", INDARRAY, name, k);
                        locals.put(out, name);
                    }
                }
                // a value computed only under its ?: is null when not taken, and the ops after the program may want it
                // as a forward value: they recompute it, as the general path's gradients do
                for (Node n : fused.inputs()) {
                    if (fused.guard(n) != null && n.op() != Op.INPUT) {
                        locals.remove(n);
                    }
                }
                gradientPhase = true;
                Input first = model.inputs().get(0);
                List<Node> roots = firstOnly ? java.util.Collections.singletonList(gradients.inputGradients().get(first.name()))
                        : new ArrayList<>(gradients.inputGradients().values());
                compute(roots);
                gradientPhase = false;
            }
            switch (entry) {
                case "forward":
                    code.addStatement("return $T.resultLike(value, inputs[0])", CHECKS);
                    break;
                case "backward":
                    code.addStatement("return $L", gradientArray());
                    break;
                case "forwardBackward":
                    code.addStatement("return new $T($T.resultLike(value, inputs[0]), $L)", LOSS_AND_GRADIENTS, CHECKS, gradientArray());
                    break;
                case "firstGradient":
                    code.addStatement("return $L", firstGradientOf());
                    break;
                default:
                    code.addStatement("return new $T($T.resultLike(value, inputs[0]), $L)", LOSS_AND_GRADIENTS, CHECKS, firstGradientArray());
            }
            code.endControlFlow().endControlFlow();
            locals.clear();
            locals.putAll(outside);
            names = namesOutside;
        }

        /** The first input's gradient and nulls, as forwardAndFirstGradient returns them. */
        CodeBlock firstGradientArray() {
            return CodeBlock.of("new $T[] {$L$L}", INDARRAY, firstGradientOf(), ", null".repeat(model.inputs().size() - 1));
        }

        /** The first input's gradient in its shape (zeros where no path gave one). */
        CodeBlock firstGradientOf() {
            Input first = model.inputs().get(0);
            String gradient = ref(gradients.inputGradients().get(first.name()));
            return gradients.mayBeNull() ? CodeBlock.of("$T.like($T.orZeros($L, $L), inputs[0])", CHECKS, KERNELS, gradient, ref(first.node()))
                    : CodeBlock.of("$T.like($L, inputs[0])", CHECKS, gradient);
        }

        void prologue() {
            for (OptionParam o : model.options()) {
                names.newName(o.name(), "field:" + o.name());
            }
            names.newName("inputs", "inputs");
            names.newName("gradOutput", "gradOutput");
            names.newName("in", "in");
            names.newName("value", "value");
            names.newName("unbatched", "unbatched");
            names.newName("fused", "fused");
            if (model.optionalBatch() != null) {
                code.add("// PyTorch's unbatched inputs are computed as a batch of one\n");
                code.addStatement("boolean unbatched = inputs != null && inputs.length > 0 && $T.unbatched(inputs[0], $L)", CHECKS, constant(GeneratedNames.BATCHED_RANK));
                code.addStatement("$T[] in = $L(unbatched ? $T.addBatchDim(inputs, $L) : inputs)", INDARRAY, member("prepare"), CHECKS, constant(GeneratedNames.HAS_BATCH_DIM));
            } else {
                code.addStatement("$T[] in = $L(inputs)", INDARRAY, member("prepare"));
            }
            int slot = 0;
            for (Input input : model.inputs()) {
                locals.put(input.node(), names.newName(input.name(), input.node()));
                code.addStatement("$T $N = in[$L]", INDARRAY, locals.get(input.node()), slot++);
            }
            for (OptionParam o : model.options()) {
                if (o.isTensor()) {
                    Node leaf = findOptionLeaf(o.name());
                    String local = names.newName(o.name() + "Value", o.name() + "#local");
                    if (leaf != null) {
                        locals.put(leaf, local);
                    }
                    optionLocals.add(local);
                    code.addStatement("$T $N = in[$L]", INDARRAY, local, slot);
                }
                slot += o.isTensor() ? 1 : 0;
            }
        }

        private Node findOptionLeaf(String name) {
            List<Node> roots = new ArrayList<>();
            roots.add(model.loss());
            if (model.meanWeights() != null) roots.add(model.meanWeights());
            for (Node n : Graph.topologicalOrder(roots)) {
                if (n.op() == Op.OPTION_TENSOR && n.text().equals(name)) {
                    return n;
                }
            }
            return null;
        }

        /** Emits the nodes needed for {@code roots} (null roots are skipped). */
        void compute(List<Node> roots) {
            java.util.Set<Node> visited = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Node root : roots) {
                if (root != null) {
                    visit(root, visited);
                }
            }
        }

        /**
         * Emits n after what it needs. A {@code ?:} emits each branch inside its own block, so the branch not
         * taken is never computed; an argument used only for its shape is read from a cheaper node of the same
         * shape (see {@link #shapeSource}), so that backward passes do not recompute forward values they ignore.
         */
        private void visit(Node n, java.util.Set<Node> visited) {
            if (locals.containsKey(n) || !visited.add(n)) {
                return;
            }
            if (n.op() == Op.CHOOSE) {
                emitChoose(n);
                return;
            }
            for (int i = 0; i < n.args().size(); i++) {
                visit(usedForShapeOnly(n, i) ? shapeSource(n.arg(i)) : n.arg(i), visited);
            }
            emit(n);
        }

        /**
         * Nodes a ?: branch needs that are also needed outside the ?: (by later code, or by both branches): they
         * are computed once, before the if, instead of inside a block that would hide them.
         */
        private java.util.Set<Node> hoisted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        /** Declares every node this method will emit, so that ?: branches know what to hoist. */
        void plan(List<Node> roots) {
            List<Node> present = roots.stream().filter(r -> r != null).toList();
            hoisted = reach(present, false);
            for (Node n : reach(present, true)) {
                if (n.op() == Op.CHOOSE) {
                    java.util.Set<Node> both = reach(List.of(n.arg(1)), true);
                    both.retainAll(reach(List.of(n.arg(2)), true));
                    hoisted.addAll(both);
                }
            }
        }

        /** Nodes reachable from roots as visit() walks them; into ?: branches only when asked. */
        private java.util.Set<Node> reach(List<Node> roots, boolean intoBranches) {
            java.util.Set<Node> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(roots);
            while (!todo.isEmpty()) {
                Node n = todo.pop();
                if (!seen.add(n)) {
                    continue;
                }
                if (n.op() == Op.CHOOSE && !intoBranches) {
                    continue;
                }
                for (int i = 0; i < n.args().size(); i++) {
                    todo.push(usedForShapeOnly(n, i) ? shapeSource(n.arg(i)) : n.arg(i));
                }
            }
            return seen;
        }

        private void emitChoose(Node n) {
            java.util.Set<Node> visitedHere = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (Node needed : Graph.topologicalOrder(List.of(n.arg(1), n.arg(2)))) {
                if (hoisted.contains(needed) && needed.op() != Op.CHOOSE) {
                    visit(needed, visitedHere);
                }
            }
            String name = names.newName(localName(n));
            code.add("// $L\n", comment(n));
            code.addStatement("$T $N", INDARRAY, name);
            code.beginControlFlow("if ($L)", n.arg(0).text());
            branch(n.arg(1), name);
            code.nextControlFlow("else");
            branch(n.arg(2), name);
            code.endControlFlow();
            locals.put(n, name);
        }

        /** One branch of a ?:, in its own block: what it computes is forgotten after it (Java scopes it there). */
        private void branch(Node value, String target) {
            Map<Node, String> outside = new IdentityHashMap<>(locals);
            // the block's locals end with it: the general path after it may reuse their names
            NameAllocator namesOutside = names.clone();
            compute(List.of(value));
            code.addStatement("$N = $L", target, ref(value));
            locals.clear();
            locals.putAll(outside);
        }

        void gradients() {
            gradients(new ArrayList<>(LossWriter.this.gradients.inputGradients().values()));
        }

        /** The forward values, the seed, and the gradient nodes {@code roots}. */
        void gradients(List<Node> roots) {
            // hoisting is planned for the forward values only: a branch's value the gradients need is recomputed
            // after the forward pass, so the branch not taken is neither computed nor checked on the way forward
            plan(java.util.Arrays.asList(model.loss(), model.meanWeights()));
            compute(List.of(model.loss()));
            if (model.meanWeights() != null) compute(List.of(model.meanWeights()));
            gradientPhase = true;
            String seedName = names.newName("gradLoss", "seed");
            code.add("// the gradient of the reduced loss with respect to the unreduced loss\n");
            code.addStatement("$T $N = $T.seed(NAME, reduction, gradOutput, $L, $L, $L)", INDARRAY, seedName, REDUCTIONS, ref(model.loss()),
                    model.meanWeights() == null ? "null" : ref(model.meanWeights()), ref(model.inputs().get(0).node()));
            for (Node n : Graph.topologicalOrder(roots)) {
                if (n.op() == Op.SEED) {
                    locals.put(n, seedName);
                }
            }
            compute(roots);
        }

        CodeBlock gradientArray() {
            List<CodeBlock> parts = new ArrayList<>();
            for (int i = 0; i < model.inputs().size(); i++) {
                Input in = model.inputs().get(i);
                if (!in.differentiable()) {
                    parts.add(CodeBlock.of("null"));
                    continue;
                }
                String gradient = ref(gradients.inputGradients().get(in.name()));
                parts.add(gradients.mayBeNull() ? CodeBlock.of("$T.like($T.orZeros($L, $L), inputs[$L])", CHECKS, KERNELS, gradient, ref(in.node()), i)
                        : CodeBlock.of("$T.like($L, inputs[$L])", CHECKS, gradient, i));
            }
            return CodeBlock.of("new $T[] {$L}", INDARRAY, CodeBlock.join(parts, ", "));
        }

        String ref(Node n) {
            if (n.op() == Op.SCALAR || n.op() == Op.NO_GRADIENT) {
                return n.text();
            }
            if (n.op() == Op.WEIGHTED) {
                return ref(n.arg(0));
            }
            String local = locals.get(n);
            if (local == null) {
                throw new IllegalStateException("node used before it is computed: " + n);
            }
            return local;
        }

        private void emit(Node n) {
            if (locals.containsKey(n) || n.op() == Op.SCALAR || n.op() == Op.NO_GRADIENT || n.op() == Op.WEIGHTED || n.op() == Op.SEED) {
                return;
            }
            if (n.op().precondition() != null && !gradientPhase) {
                Node checked = n.arg(0);
                String label = checked.op() == Op.INPUT ? checked.text() : shortText(checked).replace("$$", "$");
                String args = n.args().stream().filter(a -> a.op() != Op.SCALAR).map(this::ref).collect(Collectors.joining(", "));
                code.addStatement("$T.$L(NAME, $S, $L)", CHECKS, n.op().precondition(), label, args);
            }
            String name = names.newName(localName(n));
            locals.put(n, name);
            code.add("// $L\n", comment(n));
            code.addStatement("$T $N = " + template(n), args(n));
        }

        private String localName(Node n) {
            return LossWriter.localName(n, model, gradients, locals);
        }

        private String comment(Node n) {
            Node forward = gradients.gradientOf().get(n);
            if (forward != null) {
                return "d loss / d " + (forward.op() == Op.INPUT ? forward.text() : shortText(forward));
            }
            return shortText(n);
        }

        private String shortText(Node n) {
            String text = n.source() != null ? n.source().toString() : describe(n);
            text = text.replace("$", "$$").replaceAll("\\s+", " ");
            return text.length() > 100 ? text.substring(0, 97) + "..." : text;
        }

        private String describe(Node n) {
            List<String> args = new ArrayList<>();
            for (Node a : n.args()) {
                args.add(a.op() == Op.SCALAR ? a.text() : locals.getOrDefault(a, a.toString()));
            }
            return camelName(n.op()) + "(" + String.join(", ", args) + ")";
        }

        /** The op's template with $T for the runtime classes and the arguments' local names substituted. */
        private String template(Node n) {
            String t = n.op().emitTemplate();
            int[] dims = n.dims();
            String dimsArg = dims.length == 0 ? "" : ", " + java.util.Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", "));
            t = t.replace("$dimsArg", dimsArg).replace("$dim", dims.length == 0 ? "0" : Integer.toString(dims[0]));
            for (int i = n.args().size() - 1; i >= 0; i--) {
                if (usedForShapeOnly(n, i)) {
                    t = t.replace("$" + i + ".", ref(shapeSource(n.arg(i))).replace("$", "$$") + ".");
                }
            }
            for (int i = n.args().size() - 1; i >= 0; i--) {
                if (t.contains("$" + i)) {
                    t = t.replace("$" + i, ref(n.arg(i)).replace("$", "$$"));
                }
            }
            return t.replace("Kernels.", "$T.");
        }

        private Object[] args(Node n) {
            String t = n.op().emitTemplate();
            int kernels = (t.length() - t.replace("Kernels.", "").length()) / "Kernels.".length();
            Object[] args = new Object[2 + kernels];
            args[0] = INDARRAY;
            args[1] = locals.get(n);
            for (int i = 0; i < kernels; i++) {
                args[2 + i] = KERNELS;
            }
            return args;
        }
    }

    /** Whether op's template reads argument i only as {@code $i.shape()} or {@code $i.rank()}. */
    private static boolean usedForShapeOnly(Node n, int i) {
        String t = n.op().emitTemplate();
        String arg = "$" + i;
        return t.contains(arg) && t.replace(arg + ".shape()", "").replace(arg + ".rank()", "").indexOf(arg) < 0;
    }

    /** Ops whose result always has their first argument's shape. */
    private static final java.util.Set<Op> SAME_SHAPE_AS_FIRST = java.util.EnumSet.of(Op.NEG, Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P,
            Op.SQRT, Op.SQUARE, Op.ABS, Op.SIGMOID, Op.LOG_SIGMOID, Op.SOFTPLUS, Op.RELU, Op.CLAMP, Op.CLAMP_MIN, Op.CLAMP_MAX,
            Op.CLAMP_MIN_STRAIGHT_THROUGH, Op.POW, Op.LOG_SOFTMAX, Op.SOFTMAX, Op.SCALE_ALONG);

    /** The cheapest node with n's shape: n's first argument, followed through ops that keep that shape. */
    private static Node shapeSource(Node n) {
        Node source = n;
        while (SAME_SHAPE_AS_FIRST.contains(source.op())) {
            source = source.arg(0);
        }
        return source;
    }

    /**
     * A local's name for n: the DSL local it was assigned to, {@code grad<Name>} for the gradient of a named
     * value (the name already given to that value in {@code named}, if any), else the op's name.
     */
    static String localName(Node n, LossModel model, Differentiator.Result gradients, Map<Node, String> named) {
        if (n.nameHint() != null) {
            return n.nameHint();
        }
        Node forward = gradients.gradientOf().get(n);
        if (forward != null) {
            String of = forward == model.loss() ? "loss" : forward.op() == Op.INPUT ? forward.text()
                    : named.containsKey(forward) ? named.get(forward) : forward.nameHint() != null ? forward.nameHint() : camelName(forward.op());
            return "grad" + Character.toUpperCase(of.charAt(0)) + of.substring(1);
        }
        return camelName(n.op());
    }

    static String camelName(Op op) {
        if (op.dslName() != null) {
            return op.dslName();
        }
        String[] words = op.name().toLowerCase(java.util.Locale.ROOT).split("_");
        StringBuilder sb = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            sb.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ accessors and the builder

    private void accessors(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("name").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(String.class).addStatement("return NAME").build());
        type.addMethod(MethodSpec.methodBuilder("reduction").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(REDUCTION).addStatement("return reduction").build());
        type.addMethod(MethodSpec.methodBuilder("signature").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(LOSS_SIGNATURE).addStatement("return SIGNATURE").build());
        for (OptionParam o : model.options()) {
            type.addMethod(MethodSpec.methodBuilder(o.name()).addModifiers(Modifier.PUBLIC).returns(optionType(o))
                    .addJavadoc(o.isTensor() ? "The $L option, or null when unset (a copy: the loss stays immutable).\n" : "The $L option.\n", o.torchName())
                    .addStatement(o.isTensor() ? "return $1N == null ? null : $1N.dup()" : "return $N", o.name()).build());
        }
        ParameterizedTypeName map = ParameterizedTypeName.get(Map.class, String.class, Object.class);
        CodeBlock.Builder options = CodeBlock.builder()
                .addStatement("$T options = new $T<>()", map, java.util.LinkedHashMap.class)
                .addStatement("options.put($S, reduction.torchName())", "reduction");
        for (OptionParam o : model.options()) {
            options.addStatement(o.isTensor() ? "options.put($1S, $2N == null ? null : $2N.dup())" : "options.put($1S, $2N)", o.torchName(), o.name());
        }
        options.addStatement("return $T.unmodifiableMap(options)", java.util.Collections.class);
        type.addMethod(MethodSpec.methodBuilder("options").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(map).addCode(options.build()).build());
        type.addMethod(MethodSpec.methodBuilder("withReduction").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(REDUCTION, "reduction").returns(self)
                .addStatement("return toBuilder().reduction(reduction).build()").build());
        MethodSpec.Builder toBuilder = MethodSpec.methodBuilder("toBuilder").addModifiers(Modifier.PUBLIC).returns(builder)
                .addJavadoc("A builder holding this loss's reduction and options.\n")
                .addStatement("$T b = new $T().reduction(reduction)", builder, builder);
        for (OptionParam o : model.options()) {
            toBuilder.addStatement("b.$1N = $1N", o.name());
        }
        type.addMethod(toBuilder.addStatement("return b").build());

        type.addMethod(MethodSpec.methodBuilder("equals").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(Object.class, "other").returns(boolean.class)
                .addStatement("return other instanceof $T && options().equals((($T) other).options())", self, self).build());
        type.addMethod(MethodSpec.methodBuilder("hashCode").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(int.class).addStatement("return options().hashCode()").build());
        type.addMethod(MethodSpec.methodBuilder("toString").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(String.class).addStatement("return NAME + options()").build());
    }

    private TypeSpec builderType() {
        TypeSpec.Builder b = TypeSpec.classBuilder(builder).addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
                .addSuperinterface(LOSS_BUILDER)
                .addJavadoc("Options by name; every option starts at its default and the reduction at MEAN.\n");
        b.addField(FieldSpec.builder(REDUCTION, "reduction", Modifier.PRIVATE).initializer("$T.MEAN", REDUCTION).build());
        for (OptionParam o : model.options()) {
            FieldSpec.Builder f = FieldSpec.builder(optionType(o), o.name(), Modifier.PRIVATE);
            if (!o.isTensor()) {
                f.initializer(defaultLiteral(o));
            }
            b.addField(f.build());
        }
        b.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());
        b.addMethod(MethodSpec.methodBuilder("reduction").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(REDUCTION, "reduction").returns(builder)
                .beginControlFlow("if (reduction == null)")
                .addStatement("throw new $T(NAME + $S)", IllegalArgumentException.class, ": reduction is null; use NONE, MEAN or SUM")
                .endControlFlow()
                .addStatement("this.reduction = reduction").addStatement("return this").build());
        for (OptionParam o : model.options()) {
            b.addMethod(MethodSpec.methodBuilder(o.name()).addModifiers(Modifier.PUBLIC)
                    .addJavadoc("PyTorch's {@code $L}; default $L.\n", o.torchName(), o.defaultValue().isEmpty() ? "none" : o.defaultValue())
                    .addParameter(optionType(o), o.name()).returns(builder)
                    .addStatement("this.$1N = $1N", o.name()).addStatement("return this").build());
        }
        MethodSpec.Builder set = MethodSpec.methodBuilder("set").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(String.class, "option").addParameter(Object.class, "value").returns(builder)
                .beginControlFlow("switch ($T.camelCase(option))", OPTIONS)
                .addStatement("case $S: return reduction($T.toReduction(NAME, value))", "reduction", OPTIONS);
        List<String> valid = new ArrayList<>();
        valid.add("\"reduction\"");
        for (OptionParam o : model.options()) {
            String converter = switch (o.javaType()) {
                case "double" -> "toDouble";
                case "float" -> "(float) $T.toDouble";
                case "int" -> "toInt";
                case "long" -> "toLong";
                case "boolean" -> "toBoolean";
                case "String" -> "toText";
                default -> "toTensor";
            };
            if (converter.startsWith("(float)")) {
                set.addStatement("case $S: return $N((float) $T.toDouble(NAME, $S, value))", o.name(), o.name(), OPTIONS, o.torchName());
            } else {
                set.addStatement("case $S: return $N($T.$L(NAME, $S, value))", o.name(), o.name(), OPTIONS, converter, o.torchName());
            }
            valid.add("\"" + o.torchName() + "\"");
        }
        set.addStatement("default: throw $T.unknown(NAME, option, $L)", OPTIONS, String.join(", ", valid)).endControlFlow();
        b.addMethod(set.build());
        MethodSpec.Builder build = MethodSpec.methodBuilder("build").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(self);
        for (OptionParam o : model.options()) {
            if (!o.valid().isEmpty()) {
                build.beginControlFlow("if (!($L))", o.valid())
                        .addStatement("throw new $T(NAME + $S + $N)", IllegalArgumentException.class,
                                ": option " + o.torchName() + " must satisfy " + o.valid() + ", got ", o.name())
                        .endControlFlow();
            }
        }
        b.addMethod(build.addStatement("return new $T(this)", self).build());
        return b.build();
    }

    private static CodeBlock defaultLiteral(OptionParam o) {
        String v = o.defaultValue().trim();
        return switch (o.javaType()) {
            case "double" -> CodeBlock.of("$L", v.contains(".") || v.contains("e") || v.contains("E") ? v : v + ".0");
            case "float" -> CodeBlock.of("$Lf", v);
            case "long" -> CodeBlock.of("$LL", v);
            case "String" -> CodeBlock.of("$S", v);
            default -> CodeBlock.of("$L", v);
        };
    }
}
