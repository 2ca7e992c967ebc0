package dev.lossforge.dl4j;

/**
 * The minibatch size N of the step running on this thread, when something has published it.
 *
 * <p>Why it exists: RnnOutputLayer, RnnLossLayer and CnnLossLayer reshape their {@code [N, C, T]} or
 * {@code [N, C, H, W]} output to {@code [N*T, C]} rows (TimeSeriesUtils.reshape3dTo2d,
 * ConvolutionUtils.reshape4dTo2d, copies) before calling the loss, while DL4J divides the score and the gradient
 * by N ({@code BaseOutputLayer.computeScore} by {@code getInputMiniBatchSize()}, the updater by
 * {@code Model.batchSize()}). Nothing in the loss's arguments tells N from N*T, so the listener or a scope
 * publishes it here. Per thread, so parallel trainers do not see each other's value.
 */
public final class MinibatchContext {
    private static final ThreadLocal<Long> CURRENT = new ThreadLocal<>();

    private MinibatchContext() {
    }

    /** The published minibatch size, or {@code null}. */
    static Long current() {
        return CURRENT.get();
    }

    static void set(long minibatchSize) {
        if (minibatchSize <= 0) {
            throw new IllegalArgumentException("minibatch size must be positive, got " + minibatchSize);
        }
        CURRENT.set(minibatchSize);
    }

    static void clear() {
        CURRENT.remove();
    }

    static Scope open(long minibatchSize) {
        Long previous = CURRENT.get();
        set(minibatchSize);
        return new Scope(previous);
    }

    /** Restores the previous value (usually none) when closed. */
    public static final class Scope implements AutoCloseable {
        private final Long previous;

        private Scope(Long previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
