package dev.lossforge.processor.shape;

import dev.lossforge.processor.diag.Diag;

/** A shape rule's refusal, turned into a diagnostic at the offending expression by {@link ShapeInference}. */
public final class ShapeError extends Exception {
    private final String hint;
    private final Diag diag;
    /** The refused dim argument's value, for errors about one dim argument; null otherwise. */
    private final Integer dim;
    /** The refused dim argument's index among the op's dims when known, else -1 (the first of that value). */
    private final int dimIndex;

    public ShapeError(Diag diag, Object... args) {
        this(diag.format(args), diag.hint(args), diag, null, -1);
    }

    private ShapeError(String message, String hint, Diag diag, Integer dim, int dimIndex) {
        super(message, null, false, false);
        this.hint = hint;
        this.diag = diag;
        this.dim = dim;
        this.dimIndex = dimIndex;
    }

    /** An error about the dim argument {@code dim}, so that the caret goes under that argument. */
    static ShapeError atDim(int dim, Diag diag, Object... args) {
        return new ShapeError(diag.format(args), diag.hint(args), diag, dim, -1);
    }

    /** This error, placed at the {@code index}-th dim argument of the op. */
    ShapeError atDimIndex(int index) {
        return new ShapeError(getMessage(), hint, diag, dim, index);
    }

    /** The catalogue entry's hint for this error, or null. */
    public String hint() {
        return hint;
    }

    /** The catalogue entry, for placing the caret. */
    public Diag diag() {
        return diag;
    }

    public Integer dim() {
        return dim;
    }

    public int dimIndex() {
        return dimIndex;
    }
}
