package dev.lossforge.processor.emit;

import static dev.lossforge.processor.emit.Types.INDARRAY;
import static dev.lossforge.processor.emit.Types.LOSS_BUILDER;
import static dev.lossforge.processor.emit.Types.LOSS_SIGNATURE;
import static dev.lossforge.processor.emit.Types.OPTIONS;
import static dev.lossforge.processor.emit.Types.REDUCTION;
import static dev.lossforge.processor.emit.Types.SHAPE_SPEC;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.FieldSpec;
import com.squareup.javapoet.MethodSpec;
import com.squareup.javapoet.ParameterizedTypeName;
import com.squareup.javapoet.TypeName;
import com.squareup.javapoet.TypeSpec;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The members of a generated class that follow from its signature alone: the class constants, the option
 * fields, the constructors, the accessors ({@code name}, {@code options}, one per option) and the {@code Builder}.
 * The signature and options are the first declaration's. The reduction, equals, hashCode and toString are
 * written once, in its superclass {@code runtime.GeneratedLoss}.
 */
final class ClassSkeleton {
    private final LossModel model;
    private final ClassName self;
    private final ClassName builder;

    ClassSkeleton(LossModel model) {
        this.model = model;
        this.self = ClassName.get(model.packageName(), model.className());
        this.builder = self.nestedClass("Builder");
    }

    ClassName self() {
        return self;
    }

    void classConstants(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(long.class, GeneratedNames.SERIAL_VERSION, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("1L").build());
        type.addField(FieldSpec.builder(String.class, GeneratedNames.NAME, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                .initializer("$S", model.className()).build());
        for (OptionParam o : model.options()) {
            if (o.isTensor() && o.shape() != null) {
                type.addField(FieldSpec.builder(SHAPE_SPEC, Declaration.shapeConstantOf(o.name()), Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
                        .initializer("$T.parse($S)", SHAPE_SPEC, o.shape().source()).build());
            }
        }
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
                .initializer("new $T(NAME, $T.of($>$>\n$L), $T.of($L)$<$<)", LOSS_SIGNATURE, List.class, inputs.build(), List.class,
                        model.options().isEmpty() ? CodeBlock.of("") : CodeBlock.of("\n$L", options.build()))
                .build());
    }

    void fields(TypeSpec.Builder type) {
        for (OptionParam o : model.options()) {
            FieldSpec.Builder f = FieldSpec.builder(optionType(o), o.name(), Modifier.PRIVATE, Modifier.FINAL);
            if (o.isTensor()) {
                f.addJavadoc("Null until set: then it behaves as a tensor filled with $L.\n", o.defaultValue().isEmpty() ? "0" : o.defaultValue());
            }
            type.addField(f.build());
        }
    }

    void constructors(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC)
                .addJavadoc("Every option at its default, reduction MEAN.\n")
                .addStatement("this(new $T())", builder).build());
        MethodSpec.Builder fromBuilder = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE)
                .addParameter(builder, "builder")
                .addStatement("super(builder.reduction)");
        for (OptionParam o : model.options()) {
            fromBuilder.addStatement(o.isTensor() ? "this.$1N = builder.$1N == null ? null : builder.$1N.dup()" : "this.$1N = builder.$1N", o.name());
        }
        type.addMethod(fromBuilder.build());
        type.addMethod(MethodSpec.methodBuilder("builder").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(builder).addStatement("return new $T()", builder).build());
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

    void accessors(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("name").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(String.class).addStatement("return NAME").build());
        type.addMethod(MethodSpec.methodBuilder("signature").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(LOSS_SIGNATURE).addStatement("return SIGNATURE").build());
        for (OptionParam o : model.options()) {
            MethodSpec.Builder accessor = MethodSpec.methodBuilder(o.name()).addModifiers(Modifier.PUBLIC).returns(optionType(o));
            if (o.isTensor()) {
                accessor.addJavadoc("The $L option, or null when unset (a copy: the loss stays immutable).\n", o.torchName());
            }
            type.addMethod(accessor.addStatement(o.isTensor() ? "return $1N == null ? null : $1N.dup()" : "return $N", o.name()).build());
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
                .addJavadoc("A builder holding this loss's reduction and options.\n");
        if (model.options().isEmpty()) {
            toBuilder.addStatement("return new $T().reduction(reduction)", builder);
        } else {
            toBuilder.addStatement("$T b = new $T().reduction(reduction)", builder, builder);
            for (OptionParam o : model.options()) {
                toBuilder.addStatement("b.$1N = $1N", o.name());
            }
            toBuilder.addStatement("return b");
        }
        type.addMethod(toBuilder.build());
    }

    TypeSpec builderType() {
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
                .addStatement("this.reduction = $T.requireReduction(NAME, reduction)", OPTIONS).addStatement("return this").build());
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
