package dev.lossforge.dl4j;

import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log-softmax over dimension 1 (the class / channel dimension), PyTorch's {@code log_softmax(x, dim=1)}: DL4J
 * 1.0.0-M2.1 ships no such activation. Put it on an output layer before NLLLoss.
 *
 * <p>Forward is max-shifted, {@code y = (x - max) - log(sum(exp(x - max)))}, so large logits neither overflow nor
 * lose precision. Backward is {@code dL/dx = g - softmax(x) * sum(g)} (sums over dimension 1).
 *
 * <p>Like DL4J's own activations it writes its result into its first argument and returns it. Stateless and
 * JSON-serializable: DL4J writes it as {@code {"@class": "dev.lossforge.dl4j.ActivationLogSoftmax"}}.
 */
public final class ActivationLogSoftmax extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        requireClassDimension(in, "getActivation");
        return in.assign(logSoftmax(in));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        requireClassDimension(in, "backprop");
        if (!Arrays.equals(in.shape(), epsilon.shape())) {
            throw new IllegalArgumentException("ActivationLogSoftmax.backprop: epsilon has shape " + Arrays.toString(epsilon.shape())
                    + " but expected the input's shape " + Arrays.toString(in.shape()));
        }
        INDArray softmax = Transforms.exp(logSoftmax(in), false);
        INDArray gradSum = epsilon.sum(true, 1).broadcast(in.shape());
        INDArray dLdz = epsilon.sub(softmax.muli(gradSum));
        return new Pair<>(in.assign(dLdz), null);
    }

    private static INDArray logSoftmax(INDArray x) {
        INDArray shifted = x.sub(x.max(true, 1).broadcast(x.shape()));
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return shifted.subi(logSumExp.broadcast(x.shape()));
    }

    private static void requireClassDimension(INDArray in, String method) {
        if (in.rank() < 2) {
            throw new IllegalArgumentException("ActivationLogSoftmax." + method + ": input must have rank >= 2 with classes on"
                    + " dimension 1, but has shape " + Arrays.toString(in.shape()));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivationLogSoftmax;
    }

    @Override
    public int hashCode() {
        return ActivationLogSoftmax.class.getName().hashCode();
    }

    @Override
    public String toString() {
        return "logsoftmax";
    }
}
