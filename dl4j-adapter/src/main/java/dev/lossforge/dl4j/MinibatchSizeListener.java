package dev.lossforge.dl4j;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Publishes {@code model.batchSize()} for the adapter during each training step.
 *
 * <p>Order verified in DL4J 1.0.0-M2.1 ({@code MultiLayerNetwork.computeGradientAndScore} and
 * {@code ComputationGraph.computeGradientAndScore}): forward pass up to the output layer, then
 * {@code onForwardPass}, then the output layer's {@code computeGradient}, then {@code computeScore}, then
 * {@code onBackwardPass}. {@code batchSize()} is the labels' dimension 0 (the number of sequences or images, not
 * N*T), which is what the updater divides by.
 */
final class MinibatchSizeListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        MinibatchContext.set(model.batchSize());
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        MinibatchContext.set(model.batchSize());
    }

    @Override
    public void onBackwardPass(Model model) {
        MinibatchContext.clear();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        MinibatchContext.clear();
    }

    @Override
    public String toString() {
        return "Dl4jLosses.minibatchListener()";
    }
}
