package dev.lossforge.processor.parse;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Problem;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.ir.Scalar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The number-valued expressions of a DSL body ({@code margin - 1.0}, {@code Math.log(2 * Math.PI)}) to typed
 * {@link Scalar}s, in one walk that also says whether the expression is a number at all, so that a caller can
 * tell {@code x.mul(2)} from {@code x.mul(y)} without walking it twice.
 */
final class NumberParser {
    /**
     * One walk's result.
     *
     * @param value the scalar, or null when the expression is not a valid number
     * @param numeric whether the expression looks like a number (a literal, a number name, arithmetic on them, a
     *     Math function): a tensor expression does not
     * @param problems what makes it invalid as a number, in source order
     */
    record Parsed(Scalar value, boolean numeric, List<Problem> problems) {
    }

    /** Number-valued names in scope (numeric and boolean options, number locals), with their value. */
    private final Map<String, Scalar> numbers;
    /** Names whose declaration was refused: their uses are not reported again. */
    private final Set<String> refused;
    /** Tensor-valued names in scope. */
    private final Set<String> tensors;

    NumberParser(Map<String, Scalar> numbers, Set<String> refused, Set<String> tensors) {
        this.numbers = numbers;
        this.refused = refused;
        this.tensors = tensors;
    }

    /** The number {@code expr}, reporting into {@code problems} why it is not one; null then. */
    Scalar number(ExpressionTree expr, List<Problem> problems) {
        Parsed parsed = parse(expr);
        problems.addAll(parsed.problems());
        return parsed.value();
    }

    Parsed parse(ExpressionTree expr) {
        List<Problem> problems = new ArrayList<>();
        Walk walk = walk(expr, problems);
        return new Parsed(problems.isEmpty() ? walk.value : null, walk.numeric, List.copyOf(problems));
    }

    /** A sub-expression's value (null when invalid) and whether it looks like a number. */
    private record Walk(Scalar value, boolean numeric) {
    }

    private Walk walk(ExpressionTree expr, List<Problem> problems) {
        ExpressionTree e = unwrap(expr);
        if (e instanceof LiteralTree l) {
            if (l.getValue() instanceof Number || l.getValue() instanceof Boolean) {
                return new Walk(new Scalar.Literal(l.toString()), l.getValue() instanceof Number);
            }
        } else if (e instanceof IdentifierTree id) {
            String name = id.getName().toString();
            if (numbers.containsKey(name)) {
                return new Walk(numbers.get(name), true);
            }
            if (!refused.contains(name)) {
                problems.add(tensors.contains(name) ? Problem.at(e, Diag.SCALAR_EXPECTED, "this", name) : Problem.at(e, Diag.UNKNOWN_NAME, name));
            }
            return new Walk(null, false);
        } else if (e instanceof UnaryTree u) {
            Walk inner = walk(u.getExpression(), problems);
            String op = switch (u.getKind()) {
                case UNARY_MINUS -> "-";
                case UNARY_PLUS -> "+";
                case LOGICAL_COMPLEMENT -> "!";
                default -> null;
            };
            if (inner.value == null) {
                return new Walk(null, inner.numeric);
            }
            if (op != null) {
                return new Walk(new Scalar.Unary(op, inner.value), inner.numeric);
            }
            problems.add(unsupported(e));
            return new Walk(null, inner.numeric);
        } else if (e instanceof BinaryTree b) {
            Walk l = walk(b.getLeftOperand(), problems);
            Walk r = walk(b.getRightOperand(), problems);
            return new Walk(l.value == null || r.value == null ? null : new Scalar.Binary(LossParser.operator(b), l.value, r.value),
                    l.numeric && r.numeric);
        } else if (e instanceof ConditionalExpressionTree c) {
            Walk cond = walk(c.getCondition(), problems);
            Walk t = walk(c.getTrueExpression(), problems);
            Walk f = walk(c.getFalseExpression(), problems);
            return new Walk(cond.value == null || t.value == null || f.value == null ? null : new Scalar.Conditional(cond.value, t.value, f.value),
                    t.numeric && f.numeric);
        } else if (e instanceof TypeCastTree cast) {
            Walk inner = walk(cast.getExpression(), problems);
            return new Walk(inner.value == null ? null : new Scalar.Cast(cast.getType().toString(), inner.value), inner.numeric);
        } else if (e instanceof MethodInvocationTree call && call.getMethodSelect() instanceof MemberSelectTree ms
                && ms.getExpression().toString().equals("Math")) {
            List<Scalar> args = new ArrayList<>();
            for (ExpressionTree a : call.getArguments()) {
                Walk arg = walk(a, problems);
                if (arg.value == null) {
                    return new Walk(null, true);
                }
                args.add(arg.value);
            }
            return new Walk(new Scalar.Call(ms.getIdentifier().toString(), args), true);
        } else if (e instanceof MemberSelectTree constant && (constant.getExpression().toString().equals("Math")
                || constant.getExpression().toString().equals("Double"))) {
            return new Walk(new Scalar.Constant(constant.getExpression().toString(), constant.getIdentifier().toString()), true);
        } else if (e instanceof MethodInvocationTree call) {
            String name = LossParser.methodName(call);
            boolean dsl = name != null && (name.equals(Op.CONSTANT) || Op.byDslName(name) != null);
            problems.add(dsl ? Problem.at(e, Diag.SCALAR_EXPECTED, "this", "'" + e + "'")
                    : Problem.at(e, Diag.CALL_AS_NUMBER, LossParser.describe(e)));
            return new Walk(null, false);
        }
        problems.add(unsupported(e));
        return new Walk(null, false);
    }

    private static Problem unsupported(ExpressionTree e) {
        return Problem.at(e, Diag.NOT_A_NUMBER, LossParser.describe(e));
    }

    private static ExpressionTree unwrap(ExpressionTree e) {
        while (e instanceof ParenthesizedTree p) {
            e = p.getExpression();
        }
        return e;
    }
}
