package dev.lossforge.runtime;

import dev.lossforge.Reduction;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies a {@link Reduction} to an unreduced loss, and gives the gradient of the reduced value with respect
 * to the unreduced loss (the seed of every generated backward pass). MEAN over zero elements is NaN, as in
 * PyTorch; a weighted MEAN divides by the sum of the weights.
 */
public final class Reductions {
    private Reductions() {
    }

    /**
     * @param meanWeights what MEAN divides by the sum of (broadcast to the loss), or null for the element count
     * @param firstInput the first input, whose dim 0 is the batch size for BATCHMEAN
     */
    public static INDArray reduce(Reduction reduction, INDArray loss, INDArray meanWeights, INDArray firstInput) {
        switch (reduction) {
            case NONE:
                return loss;
            case SUM:
                return Kernels.sum(loss);
            default:
                double total = loss.isEmpty() ? 0.0 : loss.sumNumber().doubleValue();
                return Nd4j.scalar(loss.dataType(), total / denominator(reduction, loss, meanWeights, firstInput));
        }
    }

    /** d reduce(loss) / d loss, times {@code gradOutput}, in the loss's shape. */
    public static INDArray seed(String lossName, Reduction reduction, INDArray gradOutput, INDArray loss, INDArray meanWeights,
            INDArray firstInput) {
        if (gradOutput == null) {
            throw new IllegalArgumentException(lossName + ": gradOutput is null; pass a scalar 1 for d loss / d inputs");
        }
        INDArray g = gradOutput.dataType() == loss.dataType() ? gradOutput : gradOutput.castTo(loss.dataType());
        if (reduction == Reduction.NONE) {
            if (g.length() == loss.length() && loss.rank() == g.rank() + 1 && loss.size(0) == 1) {
                g = g.reshape(loss.shape()); // an unbatched call: the loss was computed as a batch of one
            }
            if (!Arrays.equals(g.shape(), loss.shape())) {
                throw new IllegalArgumentException(lossName + ": gradOutput has shape " + ShapeBinder.format(g.shape())
                        + " but the unreduced loss (reduction NONE) has shape " + ShapeBinder.format(loss.shape()));
            }
            return g;
        }
        if (g.length() != 1) {
            throw new IllegalArgumentException(lossName + ": gradOutput has shape " + ShapeBinder.format(g.shape())
                    + " but the loss is reduced (" + reduction + ") to a scalar; pass a scalar");
        }
        double scale = g.getDouble(0);
        if (reduction != Reduction.SUM) {
            scale /= denominator(reduction, loss, meanWeights, firstInput);
        }
        return Nd4j.valueArrayOf(loss.shape(), scale, loss.dataType());
    }

    private static double denominator(Reduction reduction, INDArray loss, INDArray meanWeights, INDArray firstInput) {
        if (reduction == Reduction.BATCHMEAN) {
            return firstInput.rank() == 0 ? 1 : firstInput.size(0);
        }
        if (meanWeights == null) {
            return loss.length();
        }
        INDArray w = Kernels.expand(meanWeights, loss.shape());
        return w.isEmpty() ? 0.0 : w.sumNumber().doubleValue();
    }
}
