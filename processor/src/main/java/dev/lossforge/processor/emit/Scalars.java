package dev.lossforge.processor.emit;

import com.squareup.javapoet.ClassName;
import com.squareup.javapoet.CodeBlock;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Scalar;

/**
 * Scalars as Java source: the one place they are written, for the general path's kernel arguments, the fused
 * program's run-time scalars and the conditions of {@code ?:}. Options are read as fields ({@code this.margin}),
 * so that no local of the generated method can hide them.
 */
final class Scalars {
    private Scalars() {
    }

    static CodeBlock render(Node scalar) {
        return render(scalar.scalar());
    }

    static CodeBlock render(Scalar s) {
        if (s instanceof Scalar.Literal l) {
            return CodeBlock.of("$L", l.text());
        }
        if (s instanceof Scalar.Option o) {
            return CodeBlock.of("this.$N", o.name());
        }
        if (s instanceof Scalar.Constant c) {
            return CodeBlock.of("$T.$N", ClassName.get("java.lang", c.owner()), c.name());
        }
        if (s instanceof Scalar.Unary u) {
            return CodeBlock.of(u.operand() instanceof Scalar.Unary ? "$L($L)" : "$L$L", u.operator(), render(u.operand()));
        }
        if (s instanceof Scalar.Binary b) {
            return CodeBlock.of("($L $L $L)", render(b.left()), b.operator(), render(b.right()));
        }
        if (s instanceof Scalar.Conditional c) {
            return CodeBlock.of("($L ? $L : $L)", render(c.condition()), render(c.ifTrue()), render(c.ifFalse()));
        }
        if (s instanceof Scalar.Cast c) {
            return CodeBlock.of("(($L) $L)", c.type(), render(c.operand()));
        }
        if (s instanceof Scalar.Call c) {
            return CodeBlock.of("$T.$N($L)", Math.class, c.function(),
                    CodeBlock.join(c.arguments().stream().map(Scalars::render).toList(), ", "));
        }
        Scalar.ReductionIs r = (Scalar.ReductionIs) s;
        return CodeBlock.of("this.reduction == $T.$N", Types.REDUCTION, r.reduction());
    }
}
