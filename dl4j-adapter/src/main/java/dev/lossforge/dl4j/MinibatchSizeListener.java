package dev.lossforge.dl4j;

import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Publishes {@code model.batchSize()} for the adapter during each training step.
 *
 * <p>Order verified in DL4J 1.0.0-M2.1 ({@code MultiLayerNetwork.computeGradientAndScore} and
 * {@code ComputationGraph.computeGradientAndScore}): forward pass up to the output layers' inputs, then
 * {@code onForwardPass}, then the output layer's {@code computeGradient}, then {@code computeScore}, then
 * {@code onBackwardPass}. {@code batchSize()} is the labels' (or inputs') dimension 0: the number of sequences or
 * images, not N*T, which is what the updater divides by.
 *
 * <p>With N it publishes the row counts the loss may see in this step (N, and N*T or N*H*W from the labels and
 * the activations), so that a value left behind by a step that threw is ignored by unrelated calls.
 */
final class MinibatchSizeListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        publish(model, activations);
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        publish(model, activations.values());
    }

    private static void publish(Model model, Collection<INDArray> activations) {
        long n = model.batchSize();
        TreeSet<Long> rows = new TreeSet<>();
        rows.add(n);
        for (INDArray a : activations) {
            addRows(rows, a, n);
        }
        if (model instanceof MultiLayerNetwork net) {
            addRows(rows, net.getLabels(), n);
        }
        MinibatchContext.publishStep(n, rows.stream().mapToLong(Long::longValue).toArray());
    }

    /** N*T for [N, C, T], N*H*W for [N, C, H, W]: the rows DL4J flattens such an array to. */
    private static void addRows(TreeSet<Long> rows, INDArray a, long n) {
        if (a == null || a.rank() < 2 || a.size(0) != n) {
            return;
        }
        long r = n;
        for (int d = 2; d < a.rank(); d++) {
            r *= a.size(d);
        }
        rows.add(r);
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
