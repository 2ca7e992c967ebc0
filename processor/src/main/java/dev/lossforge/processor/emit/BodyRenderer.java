package dev.lossforge.processor.emit;

import static dev.lossforge.processor.emit.Types.CHECKS;
import static dev.lossforge.processor.emit.Types.CONVERSIONS;
import static dev.lossforge.processor.emit.Types.INDARRAY;
import static dev.lossforge.processor.emit.Types.INDARRAY_ARRAY;
import static dev.lossforge.processor.emit.Types.LOSS_AND_GRADIENTS;

import com.squareup.javapoet.CodeBlock;
import com.squareup.javapoet.MethodSpec;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes a {@link BodyPlan} as the declaration's {@code compute} method: the prologue, the fused path, the general
 * path. Each path computes in stages and returns as soon as the caller has what it asked for.
 */
final class BodyRenderer {
    /** The longest line a statement and its comment share; the body's statements are indented by {@link #INDENT}. */
    private static final int LINE = 120;
    private static final int INDENT = 8;
    private final Declaration declaration;
    private final CodeBlock.Builder code = CodeBlock.builder();

    private BodyRenderer(Declaration declaration) {
        this.declaration = declaration;
    }

    static MethodSpec compute(Declaration declaration, BodyPlan plan) {
        BodyRenderer renderer = new BodyRenderer(declaration);
        renderer.prologue(plan);
        if (plan.fused() != null) {
            renderer.fused(plan.fused(), plan.inputs().get(0));
        }
        renderer.general(plan.general());
        MethodSpec.Builder method = MethodSpec.methodBuilder(declaration.member("compute")).addModifiers(Modifier.PRIVATE)
                .addJavadoc("The loss, the gradients, or {@code $L}'s gradient alone: what {@code wanted} asks for.\n",
                        declaration.first().name());
        if (!declaration.prefix.isEmpty()) {
            method.addJavadoc("For inputs that fit {@code $L.$L}.\n", Declaration.simpleName(declaration.model.declaringType()),
                    declaration.model.methodName());
        }
        return method.addParameter(Types.WANTED, "wanted").addParameter(INDARRAY, "gradOutput")
                .addParameter(INDARRAY_ARRAY, "inputs").returns(LOSS_AND_GRADIENTS).addCode(renderer.code.build()).build();
    }

    private void prologue(BodyPlan plan) {
        String prepare = declaration.member("prepare");
        if (declaration.model.optionalBatch() != null) {
            String rank = declaration.constant(GeneratedNames.BATCHED_RANK);
            code.add("// PyTorch's unbatched inputs are computed as a batch of one\n")
                    .addStatement("boolean unbatched = inputs != null && inputs.length > 0 && $T.unbatched(inputs[0], $L)", CONVERSIONS, rank)
                    .addStatement("$T[] in = $L(unbatched ? $T.addBatchDim(inputs, $L) : inputs)", INDARRAY, prepare, CONVERSIONS,
                            declaration.constant(GeneratedNames.HAS_BATCH_DIM));
        } else {
            code.addStatement("$T[] in = $L(inputs)", INDARRAY, prepare);
        }
        List<String> slots = new ArrayList<>(plan.inputs());
        slots.addAll(plan.tensorOptions());
        for (int i = 0; i < slots.size(); i++) {
            code.addStatement("$T $N = in[$L]", INDARRAY, slots.get(i), i);
        }
    }

    private void fused(FusedPath path, String firstInput) {
        code.add("// float32 on the CPU: the pointwise part fused into one pass ($L), the rest by its kernels\n", path.program());
        code.beginControlFlow("if ($T.mayApply($N))", Types.PROGRAM, firstInput);
        steps(path.before());
        code.addStatement("$T fused = $L.evaluate(reduction, gradOutput, wanted.loss(), $L, $L)", LOSS_AND_GRADIENTS, path.program(),
                wanted(path.outputsForFirst()), operands(path.arguments()));
        code.beginControlFlow("if (fused != null)");
        value(CodeBlock.of("fused.loss()"));
        gradients(path.gradients());
        code.endControlFlow().endControlFlow();
    }

    /** Which program outputs to compute: none without gradients, those of the first gradient when only it is asked. */
    private static CodeBlock wanted(List<Boolean> forFirst) {
        if (forFirst.isEmpty()) {
            return CodeBlock.of("null");
        }
        CodeBlock all = flags(Collections.nCopies(forFirst.size(), true));
        if (!forFirst.contains(false)) {
            return CodeBlock.of("wanted.gradients() ? $L : null", all);
        }
        return CodeBlock.of("!wanted.gradients() ? null : wanted.firstGradientOnly() ? $L : $L", flags(forFirst), all);
    }

    private static CodeBlock flags(List<Boolean> flags) {
        return CodeBlock.of("new boolean[] {$L}", CodeBlock.join(flags.stream().map(f -> CodeBlock.of("$L", f)).toList(), ", "));
    }

    private void general(GeneralPath path) {
        steps(path.forward());
        value(CodeBlock.of("$T.reduce(reduction, $L, $L, $L)", Types.REDUCTIONS, operand(path.loss()),
                path.meanWeights() == null ? "null" : operand(path.meanWeights()), operand(firstInputOf(path))));
        gradients(path.gradients());
    }

    private static Operand firstInputOf(GeneralPath path) {
        return ((Seed) path.gradients().first().steps().get(0)).firstInput();
    }

    /** The reduced loss as the caller gets it, or null when not asked for. */
    private void value(CodeBlock reduced) {
        if (!declaration.dropsBatchDim) {
            code.addStatement("$T value = wanted.loss() ? $T.resultLike($L, inputs[0]) : null", INDARRAY, CONVERSIONS, reduced);
            return;
        }
        code.addStatement("$T value = wanted.loss() ? $L : null", INDARRAY, reduced)
                .addStatement("value = wanted.loss() ? $T.resultLike(unbatched ? $T.dropBatchDim(value, reduction) : value, inputs[0]) : null",
                        CONVERSIONS, CONVERSIONS);
    }

    /** The gradient stages, each followed by the return of a caller that asked for no more. */
    private void gradients(Gradients gradients) {
        code.beginControlFlow("if (!wanted.gradients())").addStatement("return new $T(value, null)", LOSS_AND_GRADIENTS).endControlFlow();
        steps(gradients.first().steps());
        // the first input's gradient alone differs from all of them unless the others have none to add
        if (gradients.rest() != null && !(gradients.rest().steps().isEmpty() && gradients.rest().results().equals(gradients.first().results()))) {
            code.beginControlFlow("if (wanted.firstGradientOnly())").addStatement("return new $T(value, $L)", LOSS_AND_GRADIENTS,
                    results(gradients.first())).endControlFlow();
            steps(gradients.rest().steps());
        }
        Stage last = gradients.rest() != null ? gradients.rest() : gradients.first();
        code.addStatement("return new $T(value, $L)", LOSS_AND_GRADIENTS, results(last));
    }

    /** Each input's gradient in its shape and dtype, null where the stage gives none. */
    private CodeBlock results(Stage stage) {
        List<CodeBlock> parts = new ArrayList<>();
        for (int i = 0; i < stage.results().size(); i++) {
            Gradient g = stage.results().get(i);
            if (g == null) {
                parts.add(CodeBlock.of("null"));
            } else if (g.zerosLike() != null) {
                parts.add(CodeBlock.of("$T.gradientLike($T.orZeros($L, $L), inputs[$L])", CONVERSIONS, Types.NO_GRADIENT, operand(g.value()),
                        operand(g.zerosLike()), i));
            } else {
                parts.add(CodeBlock.of("$T.gradientLike($L, inputs[$L])", CONVERSIONS, operand(g.value()), i));
            }
        }
        return CodeBlock.of("new $T[] {$L}", INDARRAY, CodeBlock.join(parts, ", "));
    }

    // ------------------------------------------------------------------ steps

    private void steps(List<Step> steps) {
        for (Step step : steps) {
            step(step);
        }
    }

    private void step(Step step) {
        if (step instanceof Compute c) {
            List<CodeBlock> operands = c.operands().stream().map(BodyRenderer::operand).toList();
            commented(CodeBlock.of("$T $N = $L", INDARRAY, c.name(), Templates.render(c.node(), operands)), c.comment());
        } else if (step instanceof Check c) {
            code.addStatement("$T.$L(NAME, $S, $L)", CHECKS, c.method(), c.label(), operands(c.operands()));
        } else if (step instanceof Choose c) {
            comment(c.comment());
            code.addStatement("$T $N", INDARRAY, c.name());
            code.beginControlFlow("if ($L)", Scalars.render(c.condition()));
            branch(c.ifTrue(), c.name());
            code.nextControlFlow("else");
            branch(c.ifFalse(), c.name());
            code.endControlFlow();
        } else if (step instanceof Guarded g) {
            code.addStatement("$T $N = null", INDARRAY, g.name()).beginControlFlow("if ($L)", g.guard());
            branch(g.body(), g.name());
            code.endControlFlow();
        } else if (step instanceof Seed s) {
            commented(CodeBlock.of("$T $N = $T.seed(NAME, reduction, gradOutput, $L, $L, $L)", INDARRAY, s.name(), Types.REDUCTIONS,
                    operand(s.loss()), s.meanWeights() == null ? "null" : operand(s.meanWeights()), operand(s.firstInput())),
                    "d reduced loss / d loss");
        } else if (step instanceof ProgramOutput o) {
            code.addStatement("$T $N = fused.gradients()[$L]", INDARRAY, o.name(), o.index());
        }
    }

    /** A statement with its comment: at the end of the line when both fit in {@link #LINE} characters, else above it. */
    private void commented(CodeBlock statement, String comment) {
        // toString() writes types in full: measured with their simple names, as the file imports them
        int length = statement.toString().replaceAll("\\b([a-z]\\w*\\.)+(?=[A-Z])", "").length();
        if (comment != null && INDENT + length + comment.length() + 4 <= LINE) {
            code.add("$L; // $L\n", statement, comment);
        } else {
            comment(comment);
            code.addStatement("$L", statement);
        }
    }

    private void comment(String comment) {
        if (comment != null) {
            code.add("// $L\n", comment);
        }
    }

    private void branch(Branch branch, String target) {
        steps(branch.steps());
        code.addStatement("$N = $L", target, operand(branch.value()));
    }

    private static CodeBlock operands(List<Operand> operands) {
        return CodeBlock.join(operands.stream().map(BodyRenderer::operand).toList(), ", ");
    }

    static CodeBlock operand(Operand operand) {
        if (operand instanceof Operand.Local l) {
            return CodeBlock.of("$N", l.name());
        }
        if (operand instanceof Operand.Filled f) {
            return CodeBlock.of("$T.filled($L, $N.dataType())", Types.OPTIONS, Scalars.render(f.scalar()), f.like());
        }
        if (operand instanceof Operand.ProgramOutput o) {
            return CodeBlock.of("fused.gradients()[$L]", o.index());
        }
        return operand instanceof Operand.Scalar s ? Scalars.render(s.node()) : CodeBlock.of("null");
    }
}
