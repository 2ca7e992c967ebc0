package dev.lossforge.processor.diag;

import com.sun.source.tree.Tree;
import java.util.List;

/**
 * One error found in a loss, with where it belongs: a tree in the method body, or an annotation value.
 *
 * @param message the tagged one-line message
 * @param details indented lines printed under it: operand shapes, bound dims
 * @param hint what to do about it, from the message's catalogue entry ({@link Diag#hint}); null when it has none
 * @param tree the body expression to put the caret under, or null
 * @param annotationValueOf the parameter (or method, when null) whose annotation value is wrong, with
 *     {@code annotation} and {@code attribute} naming the value; used when tree is null
 */
public record Problem(String message, List<String> details, String hint, Tree tree, String annotationValueOf, String annotation,
        String attribute) {

    /** The catalogue's message {@code diag} with these arguments, under the body expression {@code tree}. */
    public static Problem at(Tree tree, Diag diag, Object... args) {
        return new Problem(diag.format(args), List.of(), diag.hint(args), tree, null, null, null);
    }

    /** A message already formatted by its {@link Diag}, with lines to print under it and its hint (or null). */
    public static Problem at(Tree tree, String message, List<String> details, String hint) {
        return new Problem(message, List.copyOf(details), hint, tree, null, null, null);
    }

    /** On {@code @annotation(attribute = ...)} of the parameter {@code param} (null: of the method). */
    public static Problem onAnnotation(String param, String annotation, String attribute, Diag diag, Object... args) {
        return new Problem(diag.format(args), List.of(), diag.hint(args), null, param, annotation, attribute);
    }
}
