package dev.lossforge;

/** How a loss turns its per-element values into what {@code forward} returns, as PyTorch's {@code reduction}. */
public enum Reduction {
    /** The unreduced loss, in its own shape. */
    NONE,
    /** The sum divided by the element count, or by the sum of weights for a weighted loss. */
    MEAN,
    /** The sum of all elements. */
    SUM,
    /** The sum divided by the batch size (dim 0 of the first input): KLDivLoss's {@code batchmean}. */
    BATCHMEAN;

    /** Parses PyTorch's spelling ({@code "mean"}, {@code "sum"}, {@code "none"}, {@code "batchmean"}). */
    public static Reduction fromTorch(String name) {
        for (Reduction r : values()) {
            if (r.name().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reduction '" + name + "'; valid: none, mean, sum, batchmean");
    }

    /** PyTorch's spelling of this reduction. */
    public String torchName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
