package dev.lossforge.dl4j;

import dev.lossforge.LossAndGradients;
import dev.lossforge.LossFunction;
import dev.lossforge.LossSignature;
import dev.lossforge.Reduction;
import dev.lossforge.runtime.Options;
import java.util.Arrays;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What {@link SequenceLossLayer} computes: a LossForge loss on a whole {@code [N, C, T]} (NCW) output, as PyTorch
 * would call it, with DL4J's masks turned into what the loss understands. Kept apart from the DL4J layer so that it
 * can be called and tested on plain arrays.
 *
 * <ul>
 *   <li>{@code CTCLoss}: log-probabilities {@code [N, C, T]} are handed over as {@code (T, N, C)}; the input lengths
 *       come from the features mask {@code [N, T]} (all T without one), the labels are {@code [N, S]} padded class
 *       indices and the target lengths come from the labels mask {@code [N, S]} (all S without one).</li>
 *   <li>Any other two-input loss gets the output as it is, {@code [N, C, T]}, and the labels as its target (class
 *       indices {@code [N, 1, T]} become {@code [N, T]}). A mask {@code [N, T]} (the labels mask, else the features
 *       mask, as DL4J's own RNN layers do) makes a masked step an ignored one: its target is set to the loss's
 *       {@code ignore_index}, so it counts nowhere, not even in MEAN's denominator, whatever label it held. A loss
 *       without {@code ignore_index} and class-index targets refuses a mask.</li>
 * </ul>
 *
 * <p>The score is PyTorch's loss; the gradient with respect to the layer's input is PyTorch's, times N under DL4J's
 * default {@code miniBatch(true)} (the updater divides by {@code batchSize()} = N).
 */
final class SequenceLoss {
    private static final String CTC = "dev.lossforge.torch.CTCLoss";

    private final LossFunction loss;
    private final LossFunction noneLoss;
    private final boolean ctc;

    SequenceLoss(LossFunction loss) {
        if (loss.reduction() == Reduction.NONE) {
            throw new IllegalArgumentException(loss.name() + ": reduction is NONE but a DL4J output layer needs a scalar loss;"
                    + " expected reduction mean, sum or batchmean");
        }
        this.ctc = loss.getClass().getName().equals(CTC);
        if (!ctc && loss.signature().arity() != 2) {
            throw new IllegalArgumentException(loss.name() + ": takes " + loss.signature().arity() + " inputs, but SequenceLossLayer"
                    + " hands a loss (output, labels); expected CTCLoss or a loss called as loss(input, target)");
        }
        this.loss = loss;
        this.noneLoss = loss.withReduction(Reduction.NONE);
    }

    LossFunction loss() {
        return loss;
    }

    /** PyTorch's loss and, when {@code gradientScale} is not null, its gradient with respect to {@code input}, scaled. */
    record Result(double score, INDArray gradient) {
    }

    /**
     * @param input         the layer's input (pre-activation) {@code [N, C, T]}; never written
     * @param gradientScale null for the score alone, else the factor for the gradient (N under miniBatch)
     */
    Result compute(INDArray input, INDArray labels, INDArray featuresMask, INDArray labelsMask, IActivation activation,
                   Double gradientScale) {
        requireRank3(input, labels);
        INDArray output = activation.getActivation(input.dup(), true);
        INDArray[] inputs = inputs(output, labels, featuresMask, labelsMask);
        if (gradientScale == null) {
            return new Result(loss.forward(inputs).getDouble(0), null);
        }
        LossAndGradients lg = loss.forwardAndFirstGradient(Options.filled(gradientScale, output.dataType()), inputs);
        INDArray dOutput = ctc ? lg.gradients()[0].permute(1, 2, 0).dup('c') : lg.gradients()[0];
        INDArray gradient = activation.backprop(input.dup(), dOutput.castTo(input.dataType())).getFirst();
        return new Result(lg.loss().getDouble(0), gradient);
    }

    /** Each sequence's unreduced loss {@code [N, 1]} (summed over its other dims): for scoreExamples. */
    INDArray perExample(INDArray input, INDArray labels, INDArray featuresMask, INDArray labelsMask, IActivation activation) {
        requireRank3(input, labels);
        INDArray output = activation.getActivation(input.dup(), true);
        INDArray perElement = noneLoss.forward(inputs(output, labels, featuresMask, labelsMask));
        long n = input.size(0);
        return (perElement.rank() == 1 ? perElement : perElement.reshape(n, -1).sum(1)).reshape(n, 1);
    }

    private INDArray[] inputs(INDArray output, INDArray labels, INDArray featuresMask, INDArray labelsMask) {
        long n = output.size(0);
        long t = output.size(2);
        if (ctc) {
            INDArray logProbs = output.permute(2, 0, 1); // (T, N, C): a view; the loss never writes its inputs
            INDArray inputLengths = lengths(featuresMask, n, t, "features mask", "input lengths");
            INDArray targetLengths = lengths(labelsMask, n, labels.size(1), "labels mask", "target lengths");
            return new INDArray[] {logProbs, labels, inputLengths, targetLengths};
        }
        LossSignature.Input target = loss.signature().inputs().get(1);
        INDArray targets = target.index() && labels.rank() == 3 && labels.size(1) == 1 ? labels.reshape(n, t) : labels;
        INDArray mask = labelsMask != null ? labelsMask : featuresMask;
        if (mask != null && !allOnes(mask)) {
            targets = ignoreMaskedSteps(targets, mask, target, n, t);
        }
        return new INDArray[] {output, targets};
    }

    /** A copy of the class-index targets with every masked step set to the loss's ignore_index. */
    private INDArray ignoreMaskedSteps(INDArray targets, INDArray mask, LossSignature.Input target, long n, long t) {
        Object ignoreIndex = loss.options().get("ignore_index");
        if (!target.index() || !(ignoreIndex instanceof Number)) {
            throw new IllegalArgumentException(loss.name() + ": SequenceLossLayer got a mask, which it applies as PyTorch's"
                    + " ignore_index on the masked steps, but this loss has " + (target.index() ? "no ignore_index option"
                    : "targets that are not class indices (labels " + Arrays.toString(targets.shape()) + ")")
                    + "; expected class-index labels [N, 1, T] for a loss with ignore_index, such as CrossEntropyLoss or NLLLoss");
        }
        requireShape(mask, new long[] {n, t}, "mask");
        requireShape(targets, new long[] {n, t}, "class-index labels");
        double[] m = mask.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] values = targets.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double ignored = ((Number) ignoreIndex).doubleValue();
        for (int i = 0; i < m.length; i++) {
            requireBinary(m[i], "mask");
            if (m[i] == 0.0) {
                values[i] = ignored; // selected, not multiplied: a NaN label at a masked step is simply replaced
            }
        }
        return Nd4j.createFromArray(values).reshape('c', n, t);
    }

    /**
     * Per row, the number of leading ones of a {@code [N, width]} mask (all {@code width} without a mask). A mask
     * must be ones then zeros: CTC takes lengths, not arbitrary masks.
     */
    private INDArray lengths(INDArray mask, long n, long width, String what, String meaning) {
        long[] lengths = new long[(int) n];
        if (mask == null) {
            Arrays.fill(lengths, width);
            return Nd4j.createFromArray(lengths);
        }
        requireShape(mask, new long[] {n, width}, what);
        double[] m = mask.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        for (int row = 0; row < n; row++) {
            int length = 0;
            boolean ended = false;
            for (int col = 0; col < width; col++) {
                double v = m[(int) (row * width + col)];
                requireBinary(v, what);
                if (v == 1.0 && ended) {
                    throw new IllegalArgumentException(loss.name() + ": the " + what + " of sequence " + row + " has a 1 after a 0,"
                            + " but it gives the " + meaning + ", so it must be ones then zeros; found " + mask.getRow(row));
                }
                ended |= v == 0.0;
                length += v == 1.0 ? 1 : 0;
            }
            lengths[row] = length;
        }
        return Nd4j.createFromArray(lengths);
    }

    private static boolean allOnes(INDArray mask) {
        return mask.minNumber().doubleValue() == 1.0 && mask.maxNumber().doubleValue() == 1.0;
    }

    private void requireBinary(double v, String what) {
        if (v != 0.0 && v != 1.0) {
            throw new IllegalArgumentException(loss.name() + ": " + what + " values must be 0 or 1, found " + v);
        }
    }

    private void requireShape(INDArray a, long[] shape, String what) {
        if (!Arrays.equals(a.shape(), shape)) {
            throw new IllegalArgumentException(loss.name() + ": the " + what + " has shape " + Arrays.toString(a.shape())
                    + " but expected " + Arrays.toString(shape));
        }
    }

    private void requireRank3(INDArray input, INDArray labels) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(loss.name() + ": SequenceLossLayer takes [N, C, T] (NCW) input, but got "
                    + Arrays.toString(input.shape()));
        }
        if (labels == null || labels.size(0) != input.size(0)) {
            throw new IllegalArgumentException(loss.name() + ": labels " + (labels == null ? "are not set"
                    : "have shape " + Arrays.toString(labels.shape())) + " but expected " + input.size(0) + " rows, as the input "
                    + Arrays.toString(input.shape()));
        }
    }
}
