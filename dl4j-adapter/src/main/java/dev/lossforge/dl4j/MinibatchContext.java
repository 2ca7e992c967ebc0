package dev.lossforge.dl4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The minibatch size N of the step running on this thread, when something has published it.
 *
 * <p>Why it exists: RnnOutputLayer, RnnLossLayer and CnnLossLayer reshape their {@code [N, C, T]} or
 * {@code [N, C, H, W]} output to {@code [N*T, C]} rows (TimeSeriesUtils.reshape3dTo2d,
 * ConvolutionUtils.reshape4dTo2d, copies) before calling the loss, while DL4J divides the score and the gradient
 * by N ({@code BaseOutputLayer.computeScore} by {@code getInputMiniBatchSize()}, the updater by
 * {@code Model.batchSize()}). Nothing in the loss's arguments tells N from N*T, so
 * {@link Dl4jLosses#minibatchListener()} or a {@link Dl4jLosses#withMinibatchSize} scope publishes it here.
 * Per thread, so parallel trainers do not see each other's value.
 */
public final class MinibatchContext {
    /**
     * @param minibatch N
     * @param rowCounts the row counts the loss may see in this step (N, N*T, N*H*W), or null for an explicit
     *                  scope, which applies to any multiple of N
     */
    private record Published(long minibatch, long[] rowCounts) {
    }

    private static final ThreadLocal<Published> CURRENT = new ThreadLocal<>();

    /**
     * DL4J's layers that flatten {@code [N, C, T]} or {@code [N, C, H, W]} to rows before calling the loss, by the
     * simple name DL4J users know them by.
     */
    private static final Map<String, String> FLATTENING_LAYERS = Map.of(
            "org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer", "RnnOutputLayer (rows N*T)",
            "org.deeplearning4j.nn.layers.recurrent.RnnLossLayer", "RnnLossLayer (rows N*T)",
            "org.deeplearning4j.nn.layers.convolution.CnnLossLayer", "CnnLossLayer (rows N*H*W)",
            "org.deeplearning4j.nn.layers.convolution.Cnn3DLossLayer", "Cnn3DLossLayer (rows N*D*H*W)");
    /** How deep to look for such a layer: the adapter's frames, BaseOutputLayer's, then the layer's own. */
    private static final int FRAMES_TO_LOOK_AT = 16;
    private static final StackWalker STACK = StackWalker.getInstance();

    private MinibatchContext() {
    }

    /**
     * N for a loss call over {@code rows} rows, or {@code null} when nothing published applies: then the rows are
     * the examples. A listener's value applies only to the row counts of its own step, so a value left behind by
     * a step that threw cannot leak into unrelated calls.
     *
     * @throws IllegalStateException when an explicit scope's N does not divide the rows
     */
    static Long minibatchFor(long rows, String lossName) {
        Published p = CURRENT.get();
        if (p == null) {
            return null;
        }
        if (p.rowCounts == null) {
            if (rows % p.minibatch != 0) {
                throw new IllegalStateException(lossName + ": the minibatch size " + p.minibatch + " set by Dl4jLosses.withMinibatchSize"
                        + " does not divide the " + rows + " rows DL4J passed to the loss; expected rows = N, N*T or N*H*W");
            }
            return p.minibatch;
        }
        for (long r : p.rowCounts) {
            if (r == rows) {
                return p.minibatch;
            }
        }
        return null;
    }

    /**
     * The flattening layer calling the loss on this thread, as users know it ("RnnOutputLayer (rows N*T)"), or
     * null. Found on the call stack (its {@code backpropGradient}, {@code computeScore} or
     * {@code computeScoreForExamples}; RnnOutputLayer's {@code computeScore} is BaseOutputLayer's and is not seen).
     * A walk of a few frames costs microseconds: {@link Dl4jLoss} remembers the answer per row count.
     */
    static String flatteningCaller() {
        return STACK.walk(frames -> frames.limit(FRAMES_TO_LOOK_AT).map(f -> FLATTENING_LAYERS.get(f.getClassName()))
                .filter(Objects::nonNull).findFirst().orElse(null));
    }

    /**
     * The error for a loss called by a flattening layer when nothing published N: the rows are then N*T (or
     * N*H*W), not the examples, and the step would silently be T times PyTorch's.
     */
    static IllegalStateException unknownMinibatch(String lossName, String layer, long rows) {
        return new IllegalStateException(lossName + ": called by DL4J's " + layer + " with " + rows + " rows, but the minibatch"
                + " size N that DL4J divides by is unknown, so the step would be T (or H*W) times PyTorch's. Add"
                + " net.addListeners(Dl4jLosses.minibatchListener()) before fit, or wrap calls outside fit in"
                + " try (var scope = Dl4jLosses.withMinibatchSize(n)) { ... }");
    }

    /** Published by the listener at the start of a training step. */
    static void publishStep(long minibatch, long[] rowCounts) {
        CURRENT.set(new Published(requirePositive(minibatch), Arrays.copyOf(rowCounts, rowCounts.length)));
    }

    static void clear() {
        CURRENT.remove();
    }

    static Scope open(long minibatchSize) {
        Published previous = CURRENT.get();
        CURRENT.set(new Published(requirePositive(minibatchSize), null));
        return new Scope(previous);
    }

    private static long requirePositive(long minibatch) {
        if (minibatch <= 0) {
            throw new IllegalArgumentException("minibatch size must be positive, got " + minibatch);
        }
        return minibatch;
    }

    /** Restores what was published before (usually nothing) when closed. */
    public static final class Scope implements AutoCloseable {
        private final Published previous;

        private Scope(Published previous) {
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
