package dev.lossforge.dl4j;

import dev.lossforge.LossFunction;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Entry point: any LossForge {@link LossFunction} as a DL4J {@link ILossFunction} that trains as PyTorch does.
 *
 * <pre>{@code
 * LossFunction ce = TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", -100));
 * new OutputLayer.Builder(Dl4jLosses.of(ce)).activation(Activation.IDENTITY).nIn(64).nOut(10).build();
 * }</pre>
 *
 * <p>For the rank-3 and rank-4 output layers (RnnOutputLayer, RnnLossLayer, CnnLossLayer) also add
 * {@link #minibatchListener()} to the network: DL4J flattens their output to {@code [N*T, C]} rows before calling
 * the loss, so the loss cannot see the minibatch size N that DL4J later divides by (without it, training is refused
 * with an {@code IllegalStateException}). {@link SequenceLossLayer} instead hands a loss whole sequences and needs
 * no listener; it is the way to use CTCLoss. Losses with more than two inputs take them side by side in the output
 * ({@link Dl4jLoss#withLabelInputs}). See docs/dl4j-adapter.md.
 */
public final class Dl4jLosses {
    private Dl4jLosses() {
    }

    /**
     * The adapter for networks with DL4J's default {@code miniBatch(true)}: it returns N times PyTorch's loss and
     * gradient, which DL4J then divides by the minibatch size N.
     *
     * @throws IllegalArgumentException if the loss's reduction is NONE (there is no scalar to train on), or for
     *                                  CTCLoss (use {@link SequenceLossLayer})
     */
    public static Dl4jLoss of(LossFunction loss) {
        return new Dl4jLoss(loss, true, null);
    }

    /**
     * The adapter for a network configured with {@code miniBatch(false)}, under which DL4J divides neither the
     * score nor the gradient by N: it returns PyTorch's loss and gradient unscaled.
     */
    public static Dl4jLoss ofUnscaled(LossFunction loss) {
        return new Dl4jLoss(loss, false, null);
    }

    /**
     * A listener that tells the adapter the minibatch size of each training step. Needed for RnnOutputLayer,
     * RnnLossLayer and CnnLossLayer; harmless elsewhere. Add it with {@code net.addListeners(...)}.
     */
    public static TrainingListener minibatchListener() {
        return new MinibatchSizeListener();
    }

    /**
     * Tells the adapter the minibatch size for calls made on this thread until the scope is closed: for calls
     * outside {@code fit} on rank-3/4 output layers, such as {@code net.score(dataSet)}.
     *
     * <pre>{@code
     * try (var scope = Dl4jLosses.withMinibatchSize(ds.numExamples())) {
     *     double loss = net.score(ds);
     * }
     * }</pre>
     */
    public static MinibatchContext.Scope withMinibatchSize(long minibatchSize) {
        return MinibatchContext.open(minibatchSize);
    }
}
