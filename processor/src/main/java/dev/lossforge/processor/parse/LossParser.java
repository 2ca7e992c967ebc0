package dev.lossforge.processor.parse;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Problem;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import dev.lossforge.processor.ir.Scalar;
import dev.lossforge.shape.ShapeSpec;
import dev.lossforge.shape.ShapeSyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Phase 1: javac's tree of a {@code @Loss} method to a {@link LossModel}. Syntax only: inside
 * {@code process()} method bodies are parsed but not attributed, so DSL names are resolved from the source
 * text. Collects every problem it finds; a method with problems gets no model.
 */
public final class LossParser {
    private final Graph graph = new Graph();
    private final List<Problem> problems = new ArrayList<>();
    /** Tensor-valued names in scope: parameters and locals. */
    private final Map<String, Node> tensors = new HashMap<>();
    /** Number-valued names in scope (numeric and boolean options, number locals), with their value. */
    private final Map<String, Scalar> numbers = new HashMap<>();
    private final Map<String, Input> inputsByName = new LinkedHashMap<>();
    /** Every tensor local, used or not: shape inference checks them all. */
    private final List<Node> locals = new ArrayList<>();
    /** String options: parameters, but of no use in an expression. */
    private final Set<String> strings = new HashSet<>();
    /**
     * Parameters and locals whose declaration was refused: already reported, so their uses are skipped (no
     * cascade of "unknown name" errors).
     */
    private final Set<String> refused = new HashSet<>();
    private final NumberParser numberParser = new NumberParser(numbers, refused, tensors.keySet());

    /** The method's declaration as read from its annotations, before the body. */
    public record Declaration(String packageName, String className, String declaringType, String methodName,
            String pred, String target, String result, String optionalBatch, String valid, List<Param> params, boolean isStatic,
            String returnType) {
    }

    /** One parameter with its LossForge annotations ({@code null} where absent). */
    public record Param(String name, String type, String shape, String index, String optionDefault, String optionValid, boolean noGrad) {
        boolean isOption() {
            return optionDefault != null;
        }
    }

    public record Result(LossModel model, List<Problem> problems) {
    }

    public static Result parse(Declaration decl, MethodTree tree) {
        return new LossParser().run(decl, tree);
    }

    private Result run(Declaration decl, MethodTree tree) {
        DeclarationReader.Read declared = new DeclarationReader(graph, problems, tensors, numbers, strings, refused).read(decl, tree);
        declared.inputs().forEach(in -> inputsByName.put(in.name(), in));

        Node[] returned = body(tree);
        if (!problems.isEmpty() || returned == null) {
            return new Result(null, problems);
        }
        List<String> lines = new ArrayList<>();
        if (tree.getBody() != null) {
            // javac prints a local declaration without its ';'
            tree.getBody().getStatements().forEach(s -> lines.add(s.toString().trim() + (s instanceof VariableTree ? ";" : "")));
        }
        LossModel model = new LossModel(decl.packageName(), decl.className(), decl.declaringType(), decl.methodName(),
                declared.inputs(), declared.options(), returned[0], returned[1], declared.result(), tree, lines,
                decl.optionalBatch().isEmpty() ? null : decl.optionalBatch(), locals, decl.valid());
        return new Result(model, problems);
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    // ------------------------------------------------------------------ the body

    /** Returns {loss, meanWeights} from the return statement, or null when the body has problems. */
    private Node[] body(MethodTree tree) {
        if (tree.getBody() == null) {
            problems.add(Problem.at(tree, Diag.NO_BODY));
            return null;
        }
        Node[] returned = null;
        for (StatementTree s : tree.getBody().getStatements()) {
            if (returned != null) {
                problems.add(Problem.at(s, Diag.STATEMENT_AFTER_RETURN));
                break;
            }
            if (s instanceof VariableTree v) {
                local(v);
            } else if (s instanceof ReturnTree r) {
                returned = returnValue(r);
                if (returned == null) {
                    returned = new Node[0]; // reported; what follows is still "after return"
                }
            } else if (s instanceof ExpressionStatementTree es && isAssignment(es.getExpression())) {
                String target = assigned(es.getExpression());
                problems.add(Problem.at(es.getExpression(), Diag.ASSIGNMENT, target));
            } else {
                problems.add(Problem.at(s, Diag.STATEMENT, describe(s)));
            }
        }
        if (returned == null && problems.isEmpty()) {
            problems.add(Problem.at(tree, Diag.NO_RETURN));
        }
        return problems.isEmpty() && returned != null && returned.length == 2 ? returned : null;
    }

    private void local(VariableTree v) {
        // javac leaves the type of 'var x = ...' null until attribution, which has not run yet
        String type = v.getType() == null ? "var" : v.getType().toString();
        type = type.equals("dev.lossforge.dsl.Tensor") ? "Tensor" : type;
        String name = v.getName().toString();
        ExpressionTree init = v.getInitializer();
        if (init == null) {
            problems.add(Problem.at(v, Diag.LOCAL_WITHOUT_VALUE, name));
            refused.add(name);
            return;
        }
        NumberParser.Parsed parsed = numberParser.parse(init);
        boolean isNumber = DeclarationReader.NUMBER_TYPES.contains(type) || type.equals("var") && parsed.numeric();
        if (type.equals("Tensor") || type.equals("var") && !isNumber) {
            Node value = tensor(init);
            if (value != null) {
                Node named = graph.named(value, name);
                tensors.put(name, named);
                locals.add(named);
            } else {
                refused.add(name);
            }
        } else if (isNumber) {
            problems.addAll(parsed.problems());
            Scalar value = parsed.value();
            if (value != null) {
                numbers.put(name, value);
            } else {
                refused.add(name);
            }
        } else {
            boolean function = unwrap(init).getKind() == Tree.Kind.LAMBDA_EXPRESSION || unwrap(init).getKind() == Tree.Kind.MEMBER_REFERENCE;
            boolean array = v.getType().getKind() == Tree.Kind.ARRAY_TYPE;
            Tree offender = function ? unwrap(init) : array ? v : v.getType();
            String what = function ? describe(offender) : array ? "an array ('" + type + " " + name + "')" : "a local of type " + type;
            problems.add(Problem.at(offender, function ? Diag.LOCAL_FUNCTION : Diag.LOCAL_TYPE, what));
            refused.add(name);
        }
    }

    private Node[] returnValue(ReturnTree r) {
        if (r.getExpression() == null) {
            problems.add(Problem.at(r, Diag.RETURN_WITHOUT_LOSS));
            return null;
        }
        ExpressionTree e = unwrap(r.getExpression());
        if (e instanceof MethodInvocationTree call && "weighted".equals(methodName(call)) && !isTensorReceiver(call)) {
            if (call.getArguments().size() != 2) {
                problems.add(Problem.at(call, Diag.ARGUMENTS, "weighted", "(a tensor, a tensor)", plural(call.getArguments().size(), "argument")));
                return null;
            }
            Node loss = valueTensor(call.getArguments().get(0), "weighted(...)");
            Node weights = valueTensor(call.getArguments().get(1), "weighted(...)");
            if (loss == null || weights == null) {
                return null;
            }
            Node marked = graph.apply(Op.WEIGHTED, List.of(loss, weights), new int[0], call, "loss");
            return new Node[] {marked, weights};
        }
        Node loss = valueTensor(r.getExpression(), "the returned loss");
        if (loss != null && loss.op() == Op.SCALAR && !inputsByName.isEmpty()) {
            problems.add(Problem.at(r.getExpression(), Diag.CONSTANT_LOSS, r.getExpression()));
            return null;
        }
        return loss == null ? null : new Node[] {loss, null};
    }

    /** {@code x.weighted(...)} rather than {@code weighted(...)} or {@code Ops.weighted(...)}. */
    private boolean isTensorReceiver(MethodInvocationTree call) {
        return call.getMethodSelect() instanceof MemberSelectTree ms && !isOpsClass(ms.getExpression());
    }

    /** Parses a tensor-valued expression; records a problem and returns null when it is not one. */
    private Node tensor(ExpressionTree expr) {
        ExpressionTree e = unwrap(expr);
        if (e instanceof IdentifierTree id) {
            String name = id.getName().toString();
            Node n = tensors.get(name);
            if (n != null) {
                return n;
            }
            if (refused.contains(name)) {
                return null;
            }
            if (numbers.containsKey(name)) {
                problems.add(Problem.at(e, Diag.TENSOR_EXPECTED, "'" + name + "' here", name));
                return null;
            }
            if (strings.contains(name)) {
                problems.add(Problem.at(e, Diag.STRING_OPTION_IN_EXPRESSION, name));
                return null;
            }
            problems.add(Problem.at(e, Diag.UNKNOWN_NAME, name));
            return null;
        }
        if (e instanceof MethodInvocationTree call) {
            return call(call);
        }
        if (e instanceof LiteralTree l && !(l.getValue() instanceof Number)) {
            problems.add(Problem.at(e, Diag.NOT_A_TENSOR_EXPRESSION, describe(e)));
            return null;
        }
        if (e instanceof UnaryTree u && (u.getKind() == Tree.Kind.UNARY_MINUS || u.getKind() == Tree.Kind.UNARY_PLUS) && !isNumeric(u)) {
            problems.add(Problem.at(e, u.getKind() == Tree.Kind.UNARY_MINUS ? Diag.MINUS_ON_TENSOR : Diag.PLUS_ON_TENSOR));
            return null;
        }
        if (e instanceof ConditionalExpressionTree c) {
            Scalar condition = number(c.getCondition());
            Node ifTrue = tensor(c.getTrueExpression());
            Node ifFalse = tensor(c.getFalseExpression());
            if (condition == null || ifTrue == null || ifFalse == null) {
                return null;
            }
            return graph.apply(Op.CHOOSE, List.of(graph.scalar(condition, c.getCondition()), ifTrue, ifFalse), new int[0], c, null);
        }
        if (e instanceof LiteralTree || e instanceof UnaryTree u && isNumeric(u)) {
            problems.add(Problem.at(e, Diag.NUMBER_AS_TENSOR, "this", e.toString()));
            return null;
        }
        if (e instanceof BinaryTree b) {
            problems.add(Problem.at(e, Diag.OPERATOR_ON_TENSORS, operator(b)));
            return null;
        }
        problems.add(Problem.at(e, Diag.NOT_A_TENSOR_EXPRESSION, describe(e)));
        return null;
    }

    private boolean isNumeric(UnaryTree u) {
        return u.getExpression() instanceof LiteralTree;
    }

    private Node call(MethodInvocationTree call) {
        String name = methodName(call);
        ExpressionTree select = call.getMethodSelect();
        List<ExpressionTree> args = new ArrayList<>(call.getArguments());
        boolean receiverForm = select instanceof MemberSelectTree ms && !isOpsClass(ms.getExpression());
        if (name == null) {
            problems.add(Problem.at(call, Diag.CALL_WITHOUT_NAME, describe(call)));
            return null;
        }
        if (name.equals(Op.CONSTANT)) {
            if (args.size() != 1) {
                problems.add(Problem.at(call, Diag.ARGUMENTS, Op.CONSTANT, "one number", plural(args.size(), "argument")));
                return null;
            }
            Scalar value = number(args.get(0));
            return value == null ? null : graph.scalar(value, call);
        }
        if (name.equals(Op.MEAN_DIVIDED_BY) && args.size() == 2) {
            // MEAN averages loss / divisor; NONE and SUM keep the loss (CTCLoss's mean over target lengths)
            Node loss = valueTensor(args.get(0), "meanDividedBy(...)");
            Node divisor = valueTensor(args.get(1), "meanDividedBy(...)");
            if (loss == null || divisor == null) {
                return null;
            }
            Node isMean = graph.scalar(new Scalar.ReductionIs("MEAN"), call);
            return graph.apply(Op.CHOOSE, List.of(isMean, graph.apply(Op.DIV, List.of(loss, divisor), new int[0], call, null), loss),
                    new int[0], call, null);
        }
        Op op = Op.byDslName(name);
        if (op == null && receiverForm && ((MemberSelectTree) select).getExpression() instanceof IdentifierTree receiver
                && refused.contains(receiver.getName().toString())) {
            return null; // a method of a refused local (as twice.apply(x)): its declaration was already reported
        }
        if (op == null || op == Op.WEIGHTED) {
            problems.add(op == Op.WEIGHTED ? Problem.at(call, Diag.WEIGHTED_INSIDE_EXPRESSION)
                    : Problem.at(call, Diag.UNKNOWN_FUNCTION, name, String.join(", ", Op.expressionWords())));
            return null;
        }
        if (receiverForm != op.isTensorMethod()) {
            problems.add(op.isTensorMethod() ? Problem.at(call, Diag.METHOD_AS_FUNCTION, name)
                    : Problem.at(call, Diag.FUNCTION_AS_METHOD, name, ((MemberSelectTree) select).getExpression(), args.isEmpty() ? "" : ", ..."));
            return null;
        }
        if (receiverForm) {
            args.add(0, ((MemberSelectTree) select).getExpression());
        }
        return apply(op, call, args);
    }

    private Node apply(Op op, MethodInvocationTree call, List<ExpressionTree> args) {
        String sig = op.signature();
        boolean variadicDims = sig.endsWith("D");
        int required = variadicDims ? sig.length() - 1 : sig.length() - (op.optionalDefault() != null ? 1 : 0);
        if (args.size() < required || !variadicDims && args.size() > sig.length()) {
            // a Tensor method's receiver is args[0], which the user does not count as an argument
            int given = op.isTensorMethod() ? args.size() - 1 : args.size();
            problems.add(Problem.at(call, Diag.ARGUMENTS, op.dslName(), describeSignature(op), plural(given, "argument")));
            return null;
        }
        List<Node> nodes = new ArrayList<>();
        List<Integer> dims = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < args.size(); i++) {
            char kind = sig.charAt(Math.min(i, sig.length() - 1));
            ExpressionTree arg = args.get(i);
            switch (kind) {
                case 'T' -> {
                    Node n = op.acceptsIndices() ? tensor(arg) : valueTensor(arg, op.dslName() + "(...)");
                    ok &= n != null;
                    nodes.add(n);
                }
                case 'X' -> {
                    NumberParser.Parsed number = numberParser.parse(arg);
                    Node n = number.numeric() ? scalarNode(arg, number)
                            : op.acceptsIndices() ? tensor(arg) : valueTensor(arg, op.dslName() + "(...)");
                    ok &= n != null;
                    nodes.add(n);
                }
                case 'S' -> {
                    Node n = scalarNode(arg);
                    ok &= n != null;
                    nodes.add(n);
                }
                case 'I' -> {
                    Node n = indexTensor(arg, op);
                    ok &= n != null;
                    nodes.add(n);
                }
                default -> {
                    Integer d = intLiteral(arg, op);
                    ok &= d != null;
                    dims.add(d == null ? 0 : d);
                }
            }
        }
        if (op.optionalDefault() != null && args.size() == sig.length() - 1) {
            nodes.add(graph.scalar(Scalar.Constant.of(op.optionalDefault()), null));
        }
        if (!ok) {
            return null;
        }
        return graph.apply(op, nodes, dims.stream().mapToInt(Integer::intValue).toArray(), call, null);
    }

    /** A tensor used as a value (an argument, the loss): class indices are refused. */
    private Node valueTensor(ExpressionTree arg, String usedIn) {
        Node n = tensor(arg);
        if (n != null && n.op() == Op.INPUT && inputsByName.get(n.text()).index()) {
            problems.add(Problem.at(arg, Diag.INDEX_AS_VALUE, "'" + n.text() + "'", usedIn));
            return null;
        }
        return n;
    }

    private Node indexTensor(ExpressionTree arg, Op op) {
        Node n = tensor(arg);
        if (n == null) {
            return null;
        }
        if (n.op() != Op.INPUT || !inputsByName.get(n.text()).index()) {
            problems.add(Problem.at(arg, Diag.INDEX_REQUIRED, op.dslName(), "'" + unwrap(arg) + "'"));
            return null;
        }
        return n;
    }

    private Integer intLiteral(ExpressionTree arg, Op op) {
        ExpressionTree e = unwrap(arg);
        if (e instanceof LiteralTree || e instanceof UnaryTree u && isNumeric(u)) {
            try {
                return Integer.parseInt(e.toString().replace(" ", ""));
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        problems.add(Problem.at(arg, Diag.DIMS_NOT_LITERAL, op.dslName(), "'" + e + "'"));
        return null;
    }

    private Node scalarNode(ExpressionTree arg) {
        return scalarNode(arg, numberParser.parse(arg));
    }

    /** The scalar node of an argument already parsed as a number, reporting its problems. */
    private Node scalarNode(ExpressionTree arg, NumberParser.Parsed number) {
        problems.addAll(number.problems());
        return number.value() == null ? null : graph.scalar(number.value(), arg);
    }

    /** The number {@code expr}, reporting why it is not one (then null). */
    private Scalar number(ExpressionTree expr) {
        return numberParser.number(expr, problems);
    }

    // ------------------------------------------------------------------ helpers

    private static ExpressionTree unwrap(ExpressionTree e) {
        while (e instanceof ParenthesizedTree p) {
            e = p.getExpression();
        }
        return e;
    }

    private static boolean isAssignment(ExpressionTree e) {
        return e instanceof com.sun.source.tree.AssignmentTree || e instanceof com.sun.source.tree.CompoundAssignmentTree
                || e instanceof UnaryTree u && switch (u.getKind()) {
                    case PREFIX_INCREMENT, PREFIX_DECREMENT, POSTFIX_INCREMENT, POSTFIX_DECREMENT -> true;
                    default -> false;
                };
    }

    private static String assigned(ExpressionTree e) {
        if (e instanceof com.sun.source.tree.AssignmentTree a) {
            return a.getVariable().toString();
        }
        if (e instanceof com.sun.source.tree.CompoundAssignmentTree a) {
            return a.getVariable().toString();
        }
        return ((UnaryTree) e).getExpression().toString();
    }

    static String methodName(MethodInvocationTree call) {
        ExpressionTree select = call.getMethodSelect();
        if (select instanceof IdentifierTree id) {
            return id.getName().toString();
        }
        if (select instanceof MemberSelectTree ms) {
            return ms.getIdentifier().toString();
        }
        return null;
    }

    /** {@code Ops.exp(x)} or {@code dev.lossforge.dsl.Ops.exp(x)}: a static call, not a method on a tensor. */
    private boolean isOpsClass(ExpressionTree e) {
        String text = e.toString();
        return (text.equals("Ops") || text.endsWith(".Ops")) && !tensors.containsKey(text);
    }

    static String operator(BinaryTree b) {
        return switch (b.getKind()) {
            case PLUS -> "+";
            case MINUS -> "-";
            case MULTIPLY -> "*";
            case DIVIDE -> "/";
            case REMAINDER -> "%";
            case LESS_THAN -> "<";
            case GREATER_THAN -> ">";
            case LESS_THAN_EQUAL -> "<=";
            case GREATER_THAN_EQUAL -> ">=";
            case EQUAL_TO -> "==";
            case NOT_EQUAL_TO -> "!=";
            case CONDITIONAL_AND -> "&&";
            case CONDITIONAL_OR -> "||";
            default -> b.getKind().toString();
        };
    }

    private static String describeSignature(Op op) {
        List<String> parts = new ArrayList<>();
        for (char c : op.signature().toCharArray()) {
            parts.add(switch (c) {
                case 'T' -> "a tensor";
                case 'X' -> "a tensor or number";
                case 'S' -> "a number";
                case 'I' -> "an @Index tensor";
                case 'd' -> "an integer dim";
                default -> "integer dims";
            });
        }
        if (op.isTensorMethod()) {
            parts.remove(0);
            return parts.isEmpty() ? "no arguments" : "(" + String.join(", ", parts) + ")";
        }
        return "(" + String.join(", ", parts) + ")" + (op.optionalDefault() != null ? ", the last optional" : "");
    }

    /** Names a Java construct the way a user thinks of it: "a for loop", "a lambda", "a field access". */
    static String describe(Tree t) {
        return switch (t.getKind()) {
            case FOR_LOOP, ENHANCED_FOR_LOOP -> "a for loop";
            case WHILE_LOOP, DO_WHILE_LOOP -> "a while loop";
            case IF -> "an if statement";
            case LAMBDA_EXPRESSION -> "a lambda";
            case MEMBER_REFERENCE -> "a method reference";
            case MEMBER_SELECT -> "a field access ('" + t + "')";
            case NEW_CLASS -> "object creation ('" + t + "')";
            case NEW_ARRAY -> "an array";
            case ARRAY_ACCESS -> "array indexing";
            case ASSIGNMENT, PLUS_ASSIGNMENT, MINUS_ASSIGNMENT, MULTIPLY_ASSIGNMENT, DIVIDE_ASSIGNMENT -> "an assignment";
            case CONDITIONAL_EXPRESSION -> "a ?: expression on tensors";
            case TRY -> "a try statement";
            case THROW -> "a throw statement";
            case SWITCH, SWITCH_EXPRESSION -> "a switch";
            case BLOCK -> "a nested block";
            case EXPRESSION_STATEMENT -> "an expression statement ('" + ((ExpressionStatementTree) t).getExpression() + "')";
            case STRING_LITERAL -> "a string (" + t + ")";
            case CHAR_LITERAL -> "a char (" + t + ")";
            case BOOLEAN_LITERAL -> "the boolean " + t;
            case NULL_LITERAL -> "null";
            case TYPE_CAST -> "a cast ('" + t + "')";
            case INSTANCE_OF -> "instanceof";
            case ASSERT -> "an assert statement";
            case LABELED_STATEMENT -> "a labeled statement";
            case CLASS, INTERFACE, ENUM, RECORD -> "a local class";
            case METHOD_INVOCATION -> "the call '" + t + "'";
            default -> {
                String kind = t.getKind().toString().toLowerCase(Locale.ROOT).replace('_', ' ');
                yield DeclarationReader.article(kind) + " " + kind;
            }
        };
    }
}
