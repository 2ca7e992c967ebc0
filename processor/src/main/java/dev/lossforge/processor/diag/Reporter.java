package dev.lossforge.processor.diag;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;
import java.util.List;
import java.util.Map;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.tools.Diagnostic.Kind;

/**
 * Renders each {@link Problem} (its message, the lines under it, its hint) and puts it where it belongs: under
 * the body expression with {@code Trees.printMessage}, or on the exact annotation value with {@code Messager}.
 */
public final class Reporter {
    private final Messager messager;
    private final Trees trees;

    public Reporter(Messager messager, Trees trees) {
        this.messager = messager;
        this.trees = trees;
    }

    public void report(ExecutableElement method, List<Problem> problems) {
        for (Problem p : problems) {
            String text = render(p);
            if (p.tree() != null && trees != null) {
                CompilationUnitTree unit = trees.getPath(method).getCompilationUnit();
                trees.printMessage(Kind.ERROR, text, anchor(p.tree()), unit);
            } else {
                Element target = p.annotationValueOf() == null ? method : parameter(method, p.annotationValueOf());
                AnnotationMirror mirror = mirror(target, p.annotation());
                AnnotationValue value = mirror == null ? null : value(mirror, p.attribute());
                if (value != null) {
                    messager.printMessage(Kind.ERROR, text, target, mirror, value);
                } else if (mirror != null) {
                    messager.printMessage(Kind.ERROR, text, target, mirror);
                } else {
                    messager.printMessage(Kind.ERROR, text, target);
                }
            }
        }
    }

    /** The message, then each detail and the hint indented under it, aligned as {@code "hint   : ..."}. */
    static String render(Problem p) {
        StringBuilder sb = new StringBuilder(p.message());
        for (String d : p.details()) {
            sb.append("\n    ").append(d);
        }
        if (p.hint() != null) {
            sb.append("\n    ").append(HINT_LABEL).append(p.hint());
        }
        return sb.toString();
    }

    /** Detail lines label their value in a column this wide, so that operands and the hint line up. */
    public static final String HINT_LABEL = "hint   : ";

    /**
     * Warnings, each under the body expression it is about, with its hint and how to silence it (they are all
     * {@code [lossforge.stability]}: the rewrites and the hazards of {@code ir.StabilityRewrites}).
     */
    public void warnAt(ExecutableElement method, List<Problem> warnings) {
        CompilationUnitTree unit = trees.getPath(method).getCompilationUnit();
        for (Problem p : warnings) {
            trees.printMessage(Kind.WARNING, render(p) + "\n    " + SILENCE_LABEL + STABILITY_SILENCER, anchor(p.tree()), unit);
        }
    }

    private static final String SILENCE_LABEL = "silence: ";
    private static final String STABILITY_SILENCER = "@SuppressWarnings(\"lossforge.stability\") on the method";

    /**
     * Where the caret goes for a problem with {@code tree}. javac puts a call's position at its '(';
     * LossForge, like javac's own errors, puts it under the called name: the '.' of {@code a.sub(b)}, the
     * {@code s} of {@code sum(x, 1)}.
     */
    static Tree anchor(Tree tree) {
        return tree instanceof MethodInvocationTree call ? call.getMethodSelect() : tree;
    }

    /** The catalogue's message {@code diag} on a whole element (a method that cannot be compiled). */
    public void error(Element element, Diag diag, Object... args) {
        error(element, diag.format(args));
    }

    public void error(Element element, String message) {
        messager.printMessage(Kind.ERROR, message, element);
    }

    public void warning(Element element, String message) {
        messager.printMessage(Kind.WARNING, message, element);
    }

    private static Element parameter(ExecutableElement method, String name) {
        for (VariableElement p : method.getParameters()) {
            if (p.getSimpleName().contentEquals(name)) {
                return p;
            }
        }
        return method;
    }

    public static AnnotationMirror mirror(Element element, String simpleName) {
        if (simpleName == null) {
            return null;
        }
        for (AnnotationMirror m : element.getAnnotationMirrors()) {
            if (m.getAnnotationType().asElement().getSimpleName().contentEquals(simpleName)) {
                return m;
            }
        }
        return null;
    }

    public static AnnotationValue value(AnnotationMirror mirror, String attribute) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : mirror.getElementValues().entrySet()) {
            if (e.getKey().getSimpleName().contentEquals(attribute)) {
                return e.getValue();
            }
        }
        return null;
    }
}
