package dev.lossforge.processor.parse;

import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import dev.lossforge.processor.diag.Diag;
import dev.lossforge.processor.diag.Problem;
import dev.lossforge.processor.ir.GeneratedNames;
import dev.lossforge.processor.ir.Graph;
import dev.lossforge.processor.ir.LossModel.Input;
import dev.lossforge.processor.ir.LossModel.OptionParam;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Scalar;
import dev.lossforge.processor.parse.LossParser.Declaration;
import dev.lossforge.processor.parse.LossParser.Param;
import dev.lossforge.shape.ShapeSpec;
import dev.lossforge.shape.ShapeSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * The first half of phase 1: a {@code @Loss} method's declaration (its modifiers, return type, annotations,
 * parameters and options) checked, and its parameters put in the body's scope. {@link LossParser} then reads
 * the body.
 */
final class DeclarationReader {
    static final Set<String> NUMBER_TYPES = Set.of("double", "float", "int", "long");

    private final Graph graph;
    private final List<Problem> problems;
    private final Map<String, Node> tensors;
    private final Map<String, Scalar> numbers;
    private final Set<String> strings;
    private final Set<String> refused;

    /** What the declaration gives the model: its tensor inputs, its options and its declared result shape. */
    record Read(List<Input> inputs, List<OptionParam> options, ShapeSpec result) {
    }

    /** Reads into the parser's scope: tensor, number and String names, and the names refused (already reported). */
    DeclarationReader(Graph graph, List<Problem> problems, Map<String, Node> tensors, Map<String, Scalar> numbers,
            Set<String> strings, Set<String> refused) {
        this.graph = graph;
        this.problems = problems;
        this.tensors = tensors;
        this.numbers = numbers;
        this.strings = strings;
        this.refused = refused;
    }

    Read read(Declaration decl, MethodTree tree) {
        checkMethod(decl, tree);
        List<Input> inputs = new ArrayList<>();
        List<OptionParam> options = new ArrayList<>();
        int tensorIndex = 0;
        for (int i = 0; i < decl.params().size(); i++) {
            Param p = decl.params().get(i);
            Tree paramTree = tree.getParameters().get(i);
            if (p.name().equals("reduction")) {
                problems.add(Problem.at(paramTree, Diag.REDUCTION_PARAMETER));
                refused.add(p.name());
                continue;
            }
            String clash = p.isOption() ? GeneratedNames.clash(p.name()) : null;
            if (clash != null) {
                problems.add(Problem.at(paramTree, Diag.OPTION_CLASH, p.name(), clash));
                refused.add(p.name());
                continue;
            }
            if (p.isOption()) {
                options.add(option(p, paramTree));
                continue;
            }
            if (!p.type().equals("Tensor")) {
                problems.add(Problem.at(paramTree, Diag.PARAMETER_TYPE, p.name(), article(p.type()), p.type()));
                refused.add(p.name());
                continue;
            }
            String shapeText = tensorIndex == 0 ? decl.pred() : tensorIndex == 1 && !decl.target().isEmpty() ? decl.target() : p.shape();
            String attribute = tensorIndex == 0 ? "pred" : tensorIndex == 1 && !decl.target().isEmpty() ? "target" : null;
            tensorIndex++;
            if (shapeText == null) {
                problems.add(Problem.at(paramTree, Diag.SHAPE_MISSING, p.name()));
                refused.add(p.name());
                continue;
            }
            if (attribute != null && p.shape() != null) {
                problems.add(Problem.onAnnotation(p.name(), "Shape", "value", Diag.SHAPE_TWICE, p.name(), attribute, shapeText));
            }
            ShapeSpec shape = attribute == null
                    ? parseShape(shapeText, p.name(), "Shape", "value")
                    : parseShape(shapeText, null, "Loss", attribute);
            Node leaf = graph.input(p.name(), paramTree);
            String domain = p.index() == null || p.index().isEmpty() ? null : p.index();
            inputs.add(new Input(p.name(), shape, p.index() != null, p.noGrad(), domain, leaf));
            tensors.put(p.name(), leaf);
        }
        if (inputs.isEmpty() && problems.isEmpty()) {
            problems.add(Problem.at(tree, Diag.NO_TENSOR_INPUT));
        }
        if (tensorIndex == 1 && !decl.target().isEmpty()) {
            problems.add(Problem.onAnnotation(null, "Loss", "target", Diag.TARGET_WITHOUT_INPUT, decl.target(), decl.methodName()));
        }
        if (!SourceVersion.isName(decl.className()) || decl.className().contains(".")) {
            problems.add(Problem.onAnnotation(null, "Loss", "name", Diag.CLASS_NAME, decl.className()));
        } else if (qualified(decl.packageName(), decl.className()).equals(decl.declaringType())) {
            problems.add(Problem.onAnnotation(null, "Loss", "name", Diag.CLASS_NAME_TAKEN, decl.className(), decl.methodName()));
        }
        ShapeSpec result = decl.result().isEmpty() ? null : parseShape(decl.result(), null, "Loss", "result");
        return new Read(inputs, options, result);
    }

    private void checkMethod(Declaration decl, MethodTree tree) {
        if (!decl.isStatic()) {
            problems.add(Problem.at(tree, Diag.NOT_STATIC, decl.methodName()));
        }
        if (!decl.returnType().equals("Tensor")) {
            problems.add(Problem.at(tree.getReturnType() == null ? tree : tree.getReturnType(), Diag.RETURN_TYPE, decl.returnType()));
        }
    }

    private OptionParam option(Param p, Tree paramTree) {
        String type = p.type();
        String dflt = p.optionDefault();
        ShapeSpec shape = null;
        if (type.equals("Tensor")) {
            shape = p.shape() == null ? null : parseShape(p.shape(), p.name(), "Shape", "value");
            if (!dflt.isEmpty() && !isNumber(dflt)) {
                problems.add(onDefault(p, Diag.TENSOR_OPTION_DEFAULT, p.name(), dflt));
            }
            Node leaf = graph.optionTensor(p.name(), paramTree);
            tensors.put(p.name(), leaf);
        } else if (NUMBER_TYPES.contains(type)) {
            boolean integral = type.equals("int") || type.equals("long");
            if (dflt.isEmpty()) {
                problems.add(onDefault(p, Diag.OPTION_DEFAULT_MISSING, p.name()));
            } else if (integral && !isInteger(dflt, type)) {
                problems.add(onDefault(p, Diag.OPTION_DEFAULT_NOT_INTEGER, p.name(), article(type), type, dflt));
            } else if (!isNumber(dflt)) {
                problems.add(onDefault(p, Diag.OPTION_DEFAULT_NOT_DECIMAL, p.name(), article(type), type, dflt));
            }
            numbers.put(p.name(), new Scalar.Option(p.name()));
        } else if (type.equals("boolean")) {
            if (dflt.isEmpty()) {
                problems.add(onDefault(p, Diag.OPTION_DEFAULT_MISSING, p.name()));
            } else if (!dflt.equals("true") && !dflt.equals("false")) {
                problems.add(onDefault(p, Diag.OPTION_DEFAULT_NOT_BOOLEAN, p.name(), dflt));
            }
            numbers.put(p.name(), new Scalar.Option(p.name()));
        } else if (!type.equals("String")) {
            problems.add(Problem.at(paramTree, Diag.OPTION_TYPE, p.name(), type));
            refused.add(p.name());
        } else {
            strings.add(p.name());
        }
        return new OptionParam(p.name(), type, dflt, shape, p.optionValid() == null ? "" : p.optionValid());
    }

    /** A problem on the option's {@code @Option(defaultValue = ...)}. */
    private static Problem onDefault(Param p, Diag diag, Object... args) {
        return Problem.onAnnotation(p.name(), "Option", "defaultValue", diag, args);
    }

    private ShapeSpec parseShape(String text, String param, String annotation, String attribute) {
        try {
            return ShapeSpec.parse(text);
        } catch (ShapeSyntaxException e) {
            problems.add(Problem.onAnnotation(param, annotation, attribute, Diag.SHAPE_SYNTAX, text,
                    e.reason() + " (at column " + (e.column() + 1) + ")"));
            return null;
        }
    }

    /**
     * A decimal number as Java writes it, which generated code copies: {@code 1}, {@code -0.5}, {@code 1e-8}.
     * Not what else {@code Double.parseDouble} takes ({@code NaN}, {@code 1f}, {@code 0x1p3}).
     */
    private static boolean isNumber(String s) {
        return s.trim().matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    }

    private static boolean isInteger(String s, String type) {
        try {
            long v = Long.parseLong(s.trim());
            return type.equals("long") || v == (int) v;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String qualified(String packageName, String simpleName) {
        return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
    }

    static String article(String word) {
        return !word.isEmpty() && "aeiouAEIOU".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
