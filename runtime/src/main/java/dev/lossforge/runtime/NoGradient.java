package dev.lossforge.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * "No gradient": what a backward pass holds for a value no path reaches, such as the branch of an option's
 * {@code ?:} that a call does not take. It is not a zero array: 0 times an infinity from the branch not taken
 * would be NaN. It has one representation per layer:
 * <ul>
 *   <li>{@code null} in the array kernels ({@link Broadcasting}, {@link Pointwise}, ...) and in the gradients a
 *       generated loss returns (where {@link #orZeros} turns it into zeros);
 *   <li>the register {@code NO_GRADIENT} in a fused {@link dev.lossforge.runtime.fused.PointwiseProgram}, written
 *       {@value dev.lossforge.runtime.fused.PointwiseProgram#NO_GRADIENT_NAME} in its builder;
 *   <li>the op {@code NO_GRADIENT} in the processor's IR.
 * </ul>
 *
 * <p>What an op gives when an argument has no gradient is decided here once, by {@link #rule}, for the kernels and
 * the fused program alike: {@code x + none = x}, {@code x - none = x}, {@code none - x = -x}, and
 * {@code where(c, x, none) = where(c, x, 0)} for a tensor x; anything else with a no-gradient argument (a product,
 * a quotient, a function, a {@code where} whose other branch is a number) has no gradient either.
 */
public final class NoGradient {
    private NoGradient() {
    }

    /** How an op combines its arguments, as far as a missing gradient is concerned. */
    public enum Combination {
        /** {@code a + b}. */
        SUM,
        /** {@code a - b}. */
        DIFFERENCE,
        /** {@code where(condition, ifTrue, ifFalse)}. */
        SELECTION,
        /** Every other op: a product, a quotient, a function of its arguments. */
        OTHER
    }

    /** What an op gives when at least one of its arguments has no gradient. */
    public enum Rule {
        /** No gradient either. */
        NO_GRADIENT,
        /** The one argument that has a gradient, unchanged: {@code x + none}, {@code none + x}, {@code x - none}. */
        PRESENT_ARGUMENT,
        /** The second argument negated: {@code none - x}. */
        NEGATED_SECOND,
        /** The op computed with zeros for the missing branch: {@code where(c, x, none) = where(c, x, 0)}. */
        MISSING_AS_ZERO
    }

    /**
     * The rule for an op with at least one argument that has no gradient.
     *
     * @param presentIsNumber for a selection: whether its one present branch is a Java number (a literal or an
     *        option's value) rather than a tensor; such a where has no gradient
     * @param missing for each argument in order (a selection's: condition, ifTrue, ifFalse), whether it has none
     */
    public static Rule rule(Combination combination, boolean presentIsNumber, boolean... missing) {
        boolean allBranchesMissing;
        switch (combination) {
            case SUM:
                return missing[0] && missing[1] ? Rule.NO_GRADIENT : Rule.PRESENT_ARGUMENT;
            case DIFFERENCE:
                if (missing[0] && missing[1]) {
                    return Rule.NO_GRADIENT;
                }
                return missing[0] ? Rule.NEGATED_SECOND : Rule.PRESENT_ARGUMENT;
            case SELECTION:
                allBranchesMissing = missing[1] && missing[2];
                return missing[0] || allBranchesMissing || presentIsNumber ? Rule.NO_GRADIENT : Rule.MISSING_AS_ZERO;
            default:
                return Rule.NO_GRADIENT;
        }
    }

    /**
     * A sum, difference or other binary op of two arrays, at least one of them null (no gradient), by {@link #rule}.
     * Selections fill zeros themselves ({@link Pointwise#where}).
     */
    static INDArray ofArrays(Combination combination, INDArray a, INDArray b) {
        switch (rule(combination, false, a == null, b == null)) {
            case PRESENT_ARGUMENT:
                return a != null ? a : b;
            case NEGATED_SECOND:
                return Pointwise.neg(b);
            default:
                return null;
        }
    }

    /** An input's gradient as the caller receives it: zeros where no path gave one. */
    public static INDArray orZeros(INDArray gradient, INDArray input) {
        return gradient != null ? gradient : Pointwise.zerosLike(input);
    }
}
