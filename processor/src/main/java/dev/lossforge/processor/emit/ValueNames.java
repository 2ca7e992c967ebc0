package dev.lossforge.processor.emit;

import dev.lossforge.processor.grad.Differentiator;
import dev.lossforge.processor.ir.LossModel;
import dev.lossforge.processor.ir.Node;
import dev.lossforge.processor.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names and comments of values by their role: the DSL local a value was assigned to ({@code logp}), the
 * gradient of a named value ({@code gradLogp}), else its op and what it applies to ({@code neg}, then
 * {@code negMean} when {@code neg} is taken). {@link LocalNames} picks the first free candidate.
 */
final class ValueNames {
    private static final int COMMENT_LENGTH = 100;
    private final LossModel model;
    private final Differentiator.Result gradients;
    /** The names already given, which a derived name builds on. */
    private final Map<Node, String> named;

    ValueNames(LossModel model, Differentiator.Result gradients, Map<Node, String> named) {
        this.model = model;
        this.gradients = gradients;
        this.named = named;
    }

    /** The names n may take, best first. */
    List<String> candidates(Node n) {
        Node forward = gradients.gradientOf().get(n);
        if (n.nameHint() == null && forward != null) {
            List<String> of = forward == model.loss() ? List.of("loss") : roleNames(forward);
            return of.stream().map(name -> "grad" + capitalize(name)).toList();
        }
        return roleNames(n);
    }

    /** n's own name, then its op followed by its operands' names, one more each time ({@code mul}, {@code mulNll}). */
    private List<String> roleNames(Node n) {
        String own = primaryName(n);
        if (named.containsKey(n) || n.nameHint() != null || n.op() == Op.INPUT || n.op() == Op.OPTION_TENSOR) {
            return List.of(own);
        }
        List<String> names = new ArrayList<>(List.of(own));
        StringBuilder longer = new StringBuilder(own);
        for (Node a : n.args()) {
            if (hasRole(a)) {
                longer.append(capitalize(primaryName(a)));
                names.add(longer.toString());
            }
        }
        return names;
    }

    /** Whether n's name says what it is: an input, an option, a DSL local, the seed or a gradient. */
    private boolean hasRole(Node n) {
        return n.nameHint() != null || n.op() == Op.INPUT || n.op() == Op.OPTION_TENSOR || gradients.gradientOf().containsKey(n);
    }

    private String primaryName(Node n) {
        if (named.containsKey(n)) {
            return named.get(n);
        }
        if (n.nameHint() != null) {
            return n.nameHint();
        }
        return n.op() == Op.INPUT || n.op() == Op.OPTION_TENSOR ? n.text() : camelName(n.op());
    }

    /**
     * The comment of a step: the DSL text it computes, or which gradient it is; null for a value derived on the way
     * to a gradient, which has no DSL text (its statement says all there is).
     */
    String comment(Node n) {
        Node forward = gradients.gradientOf().get(n);
        if (forward != null) {
            return "d loss / d " + (forward.op() == Op.INPUT ? forward.text() : text(forward));
        }
        return n.source() == null ? null : text(n);
    }

    /** The DSL text n was parsed from, or a description of a derived node, on one line. */
    String text(Node n) {
        String text = n.source() != null ? n.source().toString() : describe(n);
        text = text.replaceAll("\\s+", " ");
        return text.length() > COMMENT_LENGTH ? text.substring(0, COMMENT_LENGTH - 3) + "..." : text;
    }

    private String describe(Node n) {
        List<String> args = new ArrayList<>();
        for (Node a : n.args()) {
            args.add(a.op() == Op.SCALAR ? a.text() : named.getOrDefault(a, a.toString()));
        }
        return camelName(n.op()) + "(" + String.join(", ", args) + ")";
    }

    static String camelName(Op op) {
        if (op.dslName() != null) {
            return op.dslName();
        }
        String[] words = op.name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder sb = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            sb.append(capitalize(words[i]));
        }
        return sb.toString();
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
