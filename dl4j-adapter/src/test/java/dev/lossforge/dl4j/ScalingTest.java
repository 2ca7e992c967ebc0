package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.Reduction;
import dev.lossforge.dl4j.fixtures.FixtureMseLoss;
import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The factor N: DL4J divides the score and the gradient by the minibatch size N (BaseOutputLayer.computeScore,
 * BaseMultiLayerUpdater.divideByMinibatch), so the adapter returns N times PyTorch's values. Hand-derived for
 * z = [[1,2],[3,4]], y = [[0,2],[1,1]]: d = z - y = [[1,0],[2,3]], sum d^2 = 14, N = 2, 4 elements.
 */
class ScalingTest {
    private static final IActivation IDENTITY = new ActivationIdentity();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static INDArray z() {
        return Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}});
    }

    private static INDArray y() {
        return Nd4j.createFromArray(new double[][] {{0, 2}, {1, 1}});
    }

    private static double[] flat(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    @Test
    void meanIsScaledByTheMinibatchSize() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        // PyTorch: L = 14 / 4 = 3.5, dL/dz = 2 d / 4
        assertEquals(7.0, loss.computeScore(y(), z(), IDENTITY, null, false), 1e-15);
        assertEquals(3.5, loss.computeScore(y(), z(), IDENTITY, null, true), 1e-15);
        assertArrayEquals(new double[] {1, 0, 2, 3}, flat(loss.computeGradient(y(), z(), IDENTITY, null)), 1e-15);
        Pair<Double, INDArray> both = loss.computeGradientAndScore(y(), z(), IDENTITY, null, true);
        assertEquals(3.5, both.getFirst(), 1e-15);
        assertArrayEquals(new double[] {1, 0, 2, 3}, flat(both.getSecond()), 1e-15);
    }

    @Test
    void sumIsScaledByTheMinibatchSize() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.SUM));
        // PyTorch: L = 14, dL/dz = 2 d; times N = 2
        assertEquals(28.0, loss.computeScore(y(), z(), IDENTITY, null, false), 1e-15);
        assertArrayEquals(new double[] {4, 0, 8, 12}, flat(loss.computeGradient(y(), z(), IDENTITY, null)), 1e-15);
    }

    @Test
    void batchMeanDividesTheSumByTheMinibatch() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.BATCHMEAN));
        // PyTorch: L = 14 / 2 = 7, dL/dz = 2 d / 2 = d; times N = 2
        assertEquals(14.0, loss.computeScore(y(), z(), IDENTITY, null, false), 1e-15);
        assertArrayEquals(new double[] {2, 0, 4, 6}, flat(loss.computeGradient(y(), z(), IDENTITY, null)), 1e-15);
    }

    @Test
    void unscaledAdapterIsForMiniBatchFalse() {
        Dl4jLoss loss = Dl4jLosses.ofUnscaled(FixtureMseLoss.of(Reduction.MEAN));
        assertEquals(3.5, loss.computeScore(y(), z(), IDENTITY, null, false), 1e-15);
        assertEquals(1.75, loss.computeScore(y(), z(), IDENTITY, null, true), 1e-15); // average: DL4J's "divide by N"
        assertArrayEquals(new double[] {0.5, 0, 1, 1.5}, flat(loss.computeGradient(y(), z(), IDENTITY, null)), 1e-15);
    }

    @Test
    void scoreArrayRowsAddUpToTheScore() {
        Dl4jLoss mean = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        // row shares of L = 3.5: (1 + 0) / 4 and (4 + 9) / 4, times N = 2
        INDArray rows = mean.computeScoreArray(y(), z(), IDENTITY, null);
        assertArrayEquals(new long[] {2, 1}, rows.shape());
        assertArrayEquals(new double[] {0.5, 6.5}, flat(rows), 1e-15);
        assertEquals(mean.computeScore(y(), z(), IDENTITY, null, false), rows.sumNumber().doubleValue(), 1e-12);

        Dl4jLoss sum = Dl4jLosses.of(FixtureMseLoss.of(Reduction.SUM));
        assertArrayEquals(new double[] {2, 26}, flat(sum.computeScoreArray(y(), z(), IDENTITY, null)), 1e-15);
    }

    @Test
    void weightedCrossEntropyScoreArrayMatchesItsScore() {
        // the MEAN of a weighted loss divides by the summed weights; the row shares must still add up to the score
        Dl4jLoss ce = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss",
                Map.of("weight", Nd4j.createFromArray(0.3, 1.7, 0.9), "ignore_index", 2)));
        INDArray logits = Nd4j.createFromArray(new double[][] {{0.1, 1.2, -0.3}, {2.0, -1.0, 0.5}, {0.0, 0.3, 0.2}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {2}, {0}});
        INDArray rows = ce.computeScoreArray(labels, logits, IDENTITY, null);
        assertEquals(0.0, rows.getDouble(1), 0.0); // ignore_index contributes nothing
        assertEquals(ce.computeScore(labels, logits, IDENTITY, null, false), rows.sumNumber().doubleValue(), 1e-12);
        // hand: rows 0 and 2 have weights 1.7 and 0.3, so row r's share is w_r * nll_r / 2.0, times N = 3
        double nll0 = -Math.log(Math.exp(1.2) / (Math.exp(0.1) + Math.exp(1.2) + Math.exp(-0.3)));
        double nll2 = -Math.log(Math.exp(0.0) / (Math.exp(0.0) + Math.exp(0.3) + Math.exp(0.2)));
        assertEquals(3 * 1.7 * nll0 / 2.0, rows.getDouble(0), 1e-12);
        assertEquals(3 * 0.3 * nll2 / 2.0, rows.getDouble(2), 1e-12);
    }

    @Test
    void miniBatchFalseNetworkWithUnscaledAdapterTrainsAsPyTorch() {
        // with miniBatch(false) DL4J divides by nothing: the unscaled adapter gives PyTorch's step
        ParityCase c = ParityCase.load("mse_mean").miniBatch(false);
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.ofUnscaled(TorchLosses.create("MSELoss", c.options())));
        c.trainAndCompare(net, net::fit);
    }

    @Test
    void floatArraysGetFloatResults() {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray z = z().castTo(DataType.FLOAT);
        INDArray y = y().castTo(DataType.FLOAT);
        INDArray gradient = loss.computeGradient(y, z, IDENTITY, null);
        assertEquals(DataType.FLOAT, gradient.dataType());
        assertArrayEquals(new float[] {1, 0, 2, 3}, gradient.dup().data().asFloat(), 1e-6f);
        assertEquals(DataType.FLOAT, loss.computeScoreArray(y, z, IDENTITY, null).dataType());
        assertEquals(7.0, loss.computeScore(y, z, IDENTITY, null, false), 1e-6);
    }

    @Test
    void floatNetworkTrainsCloseToPyTorch() {
        // DL4J's default dtype: FLOAT features, labels and masks; PyTorch's float64 run to float precision
        ParityCase c = ParityCase.load("rnn_cross_entropy_weight_masked_mean").dataType(DataType.FLOAT);
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())));
        org.nd4j.linalg.dataset.DataSet ds = c.dataSet();
        ds.setFeatures(ds.getFeatures().castTo(DataType.FLOAT));
        ds.setLabels(ds.getLabels().castTo(DataType.FLOAT));
        ds.setLabelsMaskArray(ds.getLabelsMaskArray().castTo(DataType.FLOAT));
        for (int step = 0; step < c.steps(); step++) {
            net.fit(ds);
            double expected = c.json.get("steps").get(step).get("loss").asDouble();
            assertEquals(expected, net.score(), 1e-5 * expected, "step " + (step + 1));
        }
    }

    @Test
    void noneReductionIsRejected() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dl4jLosses.of(FixtureMseLoss.of(Reduction.NONE)));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("MSELoss") && e.getMessage().contains("NONE"), e.getMessage());
    }
}
