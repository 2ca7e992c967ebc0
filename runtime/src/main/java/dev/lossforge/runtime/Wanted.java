package dev.lossforge.runtime;

/**
 * What an entry point of a generated loss asks its one {@code compute} body for: the loss, the gradients, or the
 * first input's gradient alone (what a training step needs). The body computes nothing else.
 */
public enum Wanted {
    /** {@code forward}: the loss alone. */
    LOSS(true, false, false),
    /** {@code backward}: every gradient, no loss. */
    GRADIENTS(false, true, false),
    /** {@code forwardBackward}: the loss and every gradient. */
    LOSS_AND_GRADIENTS(true, true, false),
    /** {@code forwardAndFirstGradient}: the loss and the first input's gradient. */
    LOSS_AND_FIRST_GRADIENT(true, true, true),
    /** {@code firstGradient}: the first input's gradient alone. */
    FIRST_GRADIENT(false, true, true);

    private final boolean loss;
    private final boolean gradients;
    private final boolean firstGradientOnly;

    Wanted(boolean loss, boolean gradients, boolean firstGradientOnly) {
        this.loss = loss;
        this.gradients = gradients;
        this.firstGradientOnly = firstGradientOnly;
    }

    public boolean loss() {
        return loss;
    }

    public boolean gradients() {
        return gradients;
    }

    /** Of the gradients, only the first input's. */
    public boolean firstGradientOnly() {
        return firstGradientOnly;
    }
}
