package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.lossforge.dl4j.MaskTest.flat;
import static dev.lossforge.dl4j.MaskTest.y;
import static dev.lossforge.dl4j.MaskTest.z;

import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A masked-out position contributes exactly 0 to the score and the gradient, even when its label or its
 * prediction is NaN or infinite (deeplearning4j#3992: NaN scores from NaN labels under a zero mask). The
 * expected values are the same call with finite values at the masked positions, whose numbers MaskTest derives
 * by hand: the results must be identical, bit for bit. A NaN at a kept position still gives NaN, as in PyTorch.
 */
class MaskedNaNTest {
    private static final IActivation IDENTITY = new ActivationIdentity();
    private static final double[] NON_FINITE = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static INDArray with(INDArray a, int row, int column, double value) {
        INDArray copy = a.dup();
        copy.putScalar(row, column, value);
        return copy;
    }

    /** Score, gradient and score array of both calls are identical. */
    private static void assertSameResults(Dl4jLoss loss, INDArray labels, INDArray preOutput, INDArray finiteLabels,
                                          INDArray finitePreOutput, IActivation activation, INDArray mask, String what) {
        double score = loss.computeScore(labels, preOutput, activation, mask, false);
        assertTrue(Double.isFinite(score), what + ": score " + score);
        assertEquals(loss.computeScore(finiteLabels, finitePreOutput, activation, mask, false), score, 0.0, what + " score");
        assertArrayEquals(flat(loss.computeGradient(finiteLabels, finitePreOutput, activation, mask)),
                flat(loss.computeGradient(labels, preOutput, activation, mask)), 0.0, what + " gradient");
        assertArrayEquals(flat(loss.computeScoreArray(finiteLabels, finitePreOutput, activation, mask)),
                flat(loss.computeScoreArray(labels, preOutput, activation, mask)), 0.0, what + " score array");
    }

    @Test
    void nonFiniteLabelUnderAPerExampleMask() {
        Dl4jLoss mse = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        for (double bad : NON_FINITE) {
            assertSameResults(mse, with(y(), 1, 0, bad), z(), y(), z(), IDENTITY, mask, "label " + bad);
        }
        // and the numbers are MaskTest's: rows 0 and 2, (1 + 4 + 25 + 36) / 4 = 16.5, times N = 3
        assertEquals(3 * 16.5, mse.computeScore(with(y(), 1, 0, Double.NaN), z(), IDENTITY, mask, false), 1e-12);
        assertArrayEquals(new double[] {1.5, 3, 0, 0, 7.5, 9},
                flat(mse.computeGradient(with(y(), 1, 1, Double.NaN), z(), IDENTITY, mask)), 1e-12);
    }

    @Test
    void nonFinitePredictionUnderAPerExampleMaskThroughSigmoid() {
        // sigmoid's backprop at a NaN pre-output is 0 * NaN: the masked row must still get exactly 0
        Dl4jLoss bce = Dl4jLosses.of(TorchLosses.create("BCELoss", Map.of()));
        INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}});
        INDArray mask = Nd4j.createFromArray(1.0, 0.0, 1.0);
        for (double bad : NON_FINITE) {
            assertSameResults(bce, labels, with(z(), 1, 1, bad), labels, z(), new ActivationSigmoid(), mask, "pre-output " + bad);
        }
    }

    @Test
    void nonFinitePredictionUnderAPerExampleMaskThroughSoftmax() {
        Dl4jLoss mse = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray mask = Nd4j.createFromArray(new double[][] {{0}, {1}, {1}});
        for (double bad : NON_FINITE) {
            assertSameResults(mse, y(), with(z(), 0, 0, bad), y(), z(), new ActivationSoftmax(), mask, "pre-output " + bad);
        }
    }

    @Test
    void nonFiniteLabelAndPredictionUnderAPerOutputMask() {
        Dl4jLoss mse = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 0}, {1, 1}});
        for (double bad : NON_FINITE) {
            assertSameResults(mse, with(y(), 0, 1, bad), z(), y(), z(), IDENTITY, mask, "label " + bad);
            assertSameResults(mse, y(), with(z(), 1, 0, bad), y(), z(), IDENTITY, mask, "pre-output " + bad);
            assertSameResults(mse, y(), with(z(), 1, 0, bad), y(), z(), new ActivationSigmoid(), mask, "sigmoid pre-output " + bad);
        }
        // MaskTest's numbers: elements 1, 25, 36 -> 62 / 3, times N = 3; gradient 2 d / 3 times 3
        assertEquals(62.0, mse.computeScore(with(y(), 1, 1, Double.NaN), z(), IDENTITY, mask, false), 1e-12);
        assertArrayEquals(new double[] {2, 0, 0, 0, 10, 12},
                flat(mse.computeGradient(with(y(), 0, 1, Double.NaN), with(z(), 1, 1, Double.POSITIVE_INFINITY), IDENTITY, mask)),
                1e-12);
    }

    @Test
    void nonFiniteInputsOfAMultiInputLossUnderAPerExampleMask() {
        Dl4jLoss ranking = Dl4jLosses.of(TorchLosses.create("MarginRankingLoss", Map.of("margin", 0.5)));
        INDArray out = Nd4j.createFromArray(new double[][] {{0.2, 0.9}, {1.0, -1.0}, {0.3, 0.1}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {-1}, {1}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {1}, {0}});
        for (double bad : NON_FINITE) {
            assertSameResults(ranking, with(labels, 2, 0, bad), with(out, 2, 1, bad), labels, out, IDENTITY, mask, "value " + bad);
        }
    }

    @Test
    void aNaNAtAKeptPositionStillGivesNaN() {
        Dl4jLoss mse = Dl4jLosses.of(TorchLosses.create("MSELoss", Map.of()));
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        assertTrue(Double.isNaN(mse.computeScore(with(y(), 0, 0, Double.NaN), z(), IDENTITY, mask, false)));
        INDArray elementMask = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 0}, {1, 1}});
        assertTrue(Double.isNaN(mse.computeScore(with(y(), 0, 0, Double.NaN), z(), IDENTITY, elementMask, false)));
        assertTrue(Double.isNaN(mse.computeGradient(y(), with(z(), 2, 1, Double.NaN), IDENTITY, elementMask).getDouble(2, 1)));
    }

    @Test
    void nanLabelsAtMaskedTimeStepsTrainAsPyTorch() {
        // the masked RNN parity case with NaN in the labels at every masked step: still PyTorch's 5 steps
        ParityCase c = ParityCase.load("rnn_cross_entropy_weight_masked_mean");
        DataSet ds = c.dataSet();
        INDArray labels = ds.getLabels().dup();
        INDArray mask = ds.getLabelsMaskArray();
        for (int n = 0; n < mask.size(0); n++) {
            for (int t = 0; t < mask.size(1); t++) {
                if (mask.getDouble(n, t) == 0) {
                    labels.putScalar(new long[] {n, 0, t}, Double.NaN);
                }
            }
        }
        DataSet withNaN = new DataSet(ds.getFeatures(), labels, null, mask);
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())));
        c.trainAndCompare(net, step -> net.fit(withNaN));
    }
}
