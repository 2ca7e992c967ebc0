package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.Reduction;
import dev.lossforge.dl4j.fixtures.FixtureMseLoss;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Masks: masked entries contribute zero loss and zero gradient, and MEAN is the mean over the unmasked
 * elements (for weighted losses: over their weights), i.e. PyTorch's loss on what is left. N, the factor that
 * DL4J divides out, is still the whole minibatch. Hand-derived with z = [[1,2],[3,4],[5,6]], y = 0, so d = z.
 * (The masked RNN parity case checks a [N, T] mask against PyTorch's ignore_index.)
 */
class MaskTest {
    private static final IActivation IDENTITY = new ActivationIdentity();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static INDArray z() {
        return Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}});
    }

    static INDArray y() {
        return Nd4j.zeros(DataType.DOUBLE, 3, 2);
    }

    static double[] flat(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    @Test
    void perExampleMaskMeanIsOverUnmaskedRows() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        // rows 0 and 2: (1 + 4 + 25 + 36) / 4 elements = 16.5; N = 3
        assertEquals(3 * 16.5, loss.computeScore(y(), z(), IDENTITY, mask, false), 1e-12);
        assertEquals(16.5, loss.computeScore(y(), z(), IDENTITY, mask, true), 1e-12);
        // dL/dz = 2 d / 4 on kept rows, 0 on the masked one; times 3
        assertArrayEquals(new double[] {1.5, 3, 0, 0, 7.5, 9}, flat(loss.computeGradient(y(), z(), IDENTITY, mask)), 1e-12);
        // per-row scores: shares (1 + 4) / 4 and (25 + 36) / 4 of 16.5, times 3
        assertArrayEquals(new double[] {3.75, 0, 45.75}, flat(loss.computeScoreArray(y(), z(), IDENTITY, mask)), 1e-12);
    }

    @Test
    void perExampleMaskAsRankOneVector() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.SUM));
        INDArray mask = Nd4j.createFromArray(1.0, 0.0, 1.0);
        assertEquals(3 * 66.0, loss.computeScore(y(), z(), IDENTITY, mask, false), 1e-12);
        assertArrayEquals(new double[] {6, 12, 0, 0, 30, 36}, flat(loss.computeGradient(y(), z(), IDENTITY, mask)), 1e-12);
    }

    @Test
    void perOutputMaskMeanIsOverUnmaskedElements() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 0}, {1, 1}});
        // elements 1, 25, 36 -> 62 / 3; N = 3
        assertEquals(62.0, loss.computeScore(y(), z(), IDENTITY, mask, false), 1e-12);
        // 2 d / 3 on unmasked elements, times 3
        assertArrayEquals(new double[] {2, 0, 0, 0, 10, 12}, flat(loss.computeGradient(y(), z(), IDENTITY, mask)), 1e-12);
        assertArrayEquals(new double[] {1, 0, 61}, flat(loss.computeScoreArray(y(), z(), IDENTITY, mask)), 1e-12);
    }

    @Test
    void allMaskedGivesZero() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        INDArray mask = Nd4j.zeros(DataType.DOUBLE, 3, 1);
        assertEquals(0.0, loss.computeScore(y(), z(), IDENTITY, mask, false), 0.0);
        assertArrayEquals(new double[6], flat(loss.computeGradient(y(), z(), IDENTITY, mask)), 0.0);
    }

    @Test
    void weightedCrossEntropyMaskIsTheSameAsIgnoreIndex() {
        // masking a row must equal PyTorch's ignore_index on that row: the mean over the remaining weights
        INDArray weight = Nd4j.createFromArray(0.5, 2.0, 1.0);
        Dl4jLoss masked = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of("weight", weight)));
        Dl4jLoss ignoring = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of("weight", weight, "ignore_index", -100)));
        INDArray logits = Nd4j.createFromArray(new double[][] {{0.1, 1.2, -0.3}, {2.0, -1.0, 0.5}, {0.0, 0.3, 0.2}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}, {2}});
        INDArray labelsIgnored = Nd4j.createFromArray(new double[][] {{1}, {-100}, {2}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        assertEquals(ignoring.computeScore(labelsIgnored, logits, IDENTITY, null, false),
                masked.computeScore(labels, logits, IDENTITY, mask, false), 1e-14);
        assertArrayEquals(flat(ignoring.computeGradient(labelsIgnored, logits, IDENTITY, null)),
                flat(masked.computeGradient(labels, logits, IDENTITY, mask)), 1e-14);
        // a per-output mask that is constant along each row is the same per-example mask
        INDArray rowMask = Nd4j.createFromArray(new double[][] {{1, 1, 1}, {0, 0, 0}, {1, 1, 1}});
        assertEquals(masked.computeScore(labels, logits, IDENTITY, mask, false),
                masked.computeScore(labels, logits, IDENTITY, rowMask, false), 0.0);
    }

    @Test
    void perOutputMaskOnARowReducingLossIsRejected() {
        Dl4jLoss ce = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of()));
        INDArray logits = Nd4j.createFromArray(new double[][] {{0.1, 1.2, -0.3}, {2.0, -1.0, 0.5}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 0, 1}, {1, 1, 1}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ce.computeScore(labels, logits, IDENTITY, mask, false));
        assertTrue(e.getMessage().startsWith("CrossEntropyLoss: a per-output mask [2, 3] needs an element-wise loss"), e.getMessage());
    }

    @Test
    void nonBinaryAndMisshapenMasksAreRejected() {
        Dl4jLoss loss = Dl4jLosses.of(FixtureMseLoss.of(Reduction.MEAN));
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> loss.computeScore(y(), z(), IDENTITY, Nd4j.createFromArray(new double[][] {{1}, {0.5}, {1}}), false));
        assertEquals("MSELoss: mask values must be 0 or 1, found 0.5 in a mask of shape [3, 1]", half.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> loss.computeScore(y(), z(), IDENTITY, Nd4j.ones(DataType.DOUBLE, 2, 1), false));
        assertEquals("MSELoss: mask has shape [2, 1] but expected [3, 1] (per example) or [3, 2] (per output)", shape.getMessage());
    }
}
