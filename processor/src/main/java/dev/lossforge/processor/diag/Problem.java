package dev.lossforge.processor.diag;

import com.sun.source.tree.Tree;
import java.util.List;

/**
 * One error found in a loss, with where it belongs: a tree in the method body, or an annotation value.
 *
 * @param message the tagged one-line message
 * @param details indented lines printed under it: operand shapes, bound dims, a hint
 * @param tree the body expression to put the caret under, or null
 * @param annotationValueOf the parameter (or method, when null) whose annotation value is wrong, with
 *     {@code annotation} and {@code attribute} naming the value; used when tree is null
 */
public record Problem(String message, List<String> details, Tree tree, String annotationValueOf, String annotation, String attribute) {

    public static Problem at(Tree tree, String message, String... details) {
        return new Problem(message, List.of(details), tree, null, null, null);
    }

    /** On {@code @annotation(attribute = ...)} of the parameter {@code param} (null: of the method). */
    public static Problem onAnnotation(String param, String annotation, String attribute, String message, String... details) {
        return new Problem(message, List.of(details), null, param, annotation, attribute);
    }

    public String fullText() {
        StringBuilder sb = new StringBuilder(message);
        for (String d : details) {
            sb.append("\n    ").append(d);
        }
        return sb.toString();
    }
}
