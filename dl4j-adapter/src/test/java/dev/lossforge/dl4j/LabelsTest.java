package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.parity.ParityCase;
import dev.lossforge.torch.TorchLosses;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** Class-index labels as DL4J passes them, and the loss's own checks surviving the adapter and the network. */
class LabelsTest {
    private static final IActivation IDENTITY = new ActivationIdentity();
    private static final INDArray LOGITS = Nd4j.createFromArray(new double[][] {{0.3, -1.2, 0.8}, {2.1, 0.4, -0.6}});

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static Dl4jLoss crossEntropy() {
        return Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", -1)));
    }

    @Test
    void columnAndVectorIndexLabelsAreTheSame() {
        Dl4jLoss ce = crossEntropy();
        INDArray column = Nd4j.createFromArray(new double[][] {{2}, {0}});
        INDArray vector = Nd4j.createFromArray(2.0, 0.0);
        double expected = 2 * 0.5 * (-Math.log(Math.exp(0.8) / (Math.exp(0.3) + Math.exp(-1.2) + Math.exp(0.8)))
                - Math.log(Math.exp(2.1) / (Math.exp(2.1) + Math.exp(0.4) + Math.exp(-0.6))));
        assertEquals(expected, ce.computeScore(column, LOGITS, IDENTITY, null, false), 1e-12);
        assertEquals(expected, ce.computeScore(vector, LOGITS, IDENTITY, null, false), 1e-12);
        assertArrayEquals(ce.computeGradient(column, LOGITS, IDENTITY, null).dup().data().asDouble(),
                ce.computeGradient(vector, LOGITS, IDENTITY, null).dup().data().asDouble(), 0.0);
        // float labels work as well as double ones
        assertEquals(expected, ce.computeScore(column.castTo(DataType.FLOAT), LOGITS, IDENTITY, null, false), 1e-12);
    }

    @Test
    void labelsWrittenInPlaceBetweenCallsAreSeen() {
        // the adapter reuses its [N] view of the last [N, 1] labels it was given: a caller that refills the same
        // array (a plain column, or a column cut from a wider array) must still get the loss of the new labels
        Dl4jLoss ce = crossEntropy();
        double first = -Math.log(Math.exp(0.8) / (Math.exp(0.3) + Math.exp(-1.2) + Math.exp(0.8)));
        double second = -Math.log(Math.exp(2.1) / (Math.exp(2.1) + Math.exp(0.4) + Math.exp(-0.6)));
        double firstOther = -Math.log(Math.exp(0.3) / (Math.exp(0.3) + Math.exp(-1.2) + Math.exp(0.8)));
        INDArray wide = Nd4j.createFromArray(new double[][] {{9, 2}, {9, 0}});
        INDArray cut = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2));
        for (INDArray labels : new INDArray[] {Nd4j.createFromArray(new double[][] {{2}, {0}}), cut}) {
            assertEquals(first + second, ce.computeScore(labels, LOGITS, IDENTITY, null, false), 1e-12);
            INDArray gradient = ce.computeGradient(labels, LOGITS, IDENTITY, null).dup();
            labels.putScalar(0, 0, 0.0);
            assertEquals(firstOther + second, ce.computeScore(labels, LOGITS, IDENTITY, null, false), 1e-12);
            INDArray after = ce.computeGradient(labels, LOGITS, IDENTITY, null);
            assertTrue(after.getDouble(0, 0) < 0 && gradient.getDouble(0, 0) > 0, "the gradient follows the new label");
            labels.putScalar(0, 0, 2.0);
        }
    }

    @Test
    void anEmptyMinibatchOfClassIndicesGivesNaNAndAnEmptyGradient() {
        // PyTorch: cross_entropy of a [0, 3] input with reduction 'mean' is nan (a mean of nothing), its gradient
        // [0, 3]; the adapter's N * L is 0 * nan = nan (twice: the label view is not reused for empty labels)
        Dl4jLoss ce = crossEntropy();
        INDArray logits = Nd4j.create(DataType.DOUBLE, 0, 3);
        INDArray labels = Nd4j.create(DataType.DOUBLE, 0, 1);
        for (int call = 0; call < 2; call++) {
            assertTrue(Double.isNaN(ce.computeScore(labels, logits, IDENTITY, null, false)));
            assertArrayEquals(new long[] {0, 3}, ce.computeGradient(labels, logits, IDENTITY, null).shape());
        }
    }

    @Test
    void ignoreIndexIsAccepted() {
        INDArray labels = Nd4j.createFromArray(new double[][] {{-1}, {0}});
        double second = -Math.log(Math.exp(2.1) / (Math.exp(2.1) + Math.exp(0.4) + Math.exp(-0.6)));
        assertEquals(2 * second, crossEntropy().computeScore(labels, LOGITS, IDENTITY, null, false), 1e-12);
    }

    @Test
    void nonIntegerLabelIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crossEntropy()
                .computeGradient(Nd4j.createFromArray(new double[][] {{1.5}, {0}}), LOGITS, IDENTITY, null));
        assertTrue(e.getMessage().startsWith("CrossEntropyLoss: target holds 1.5, which is not a class index"), e.getMessage());
    }

    @Test
    void outOfRangeLabelIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crossEntropy()
                .computeScore(Nd4j.createFromArray(new double[][] {{3}, {0}}), LOGITS, IDENTITY, null, false));
        assertTrue(e.getMessage().startsWith("CrossEntropyLoss: target holds class index 3, out of range [0, 3)"), e.getMessage());
        assertTrue(e.getMessage().contains("ignore_index (-1)"), e.getMessage());
    }

    @Test
    void theMessageSurvivesTraining() {
        ParityCase c = ParityCase.load("cross_entropy_weight_ignore_mean");
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", c.options())));
        DataSet bad = c.dataSet();
        bad.getLabels().putScalar(1, 0, 7.0);
        Throwable e = assertThrows(RuntimeException.class, () -> net.fit(bad));
        while (!(e instanceof IllegalArgumentException) && e.getCause() != null) {
            e = e.getCause();
        }
        assertTrue(e.getMessage().startsWith("CrossEntropyLoss: target holds class index 7, out of range [0, 3)"), e.getMessage());
    }

    @Test
    void oneHotLabelsForAnIndexLossGetAHint() {
        INDArray oneHot = Nd4j.createFromArray(new double[][] {{0, 0, 1}, {1, 0, 0}});
        ILossFunction nll = Dl4jLosses.of(TorchLosses.create("NLLLoss", java.util.Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> nll.computeGradient(oneHot, LOGITS, IDENTITY, null));
        // the loss's own message first, then the hint
        assertTrue(e.getMessage().startsWith("NLLLoss: target has shape [2,3]"), e.getMessage());
        assertTrue(e.getMessage().endsWith(". The labels [2, 3] look like DL4J one-hot rows, but NLLLoss takes class"
                + " indices: expected labels [2, 1] holding each row's class index (for one-hot labels: labels.argMax(1))"), e.getMessage());
    }

    @Test
    void oneHotLabelsForCrossEntropyAreProbabilitiesAsInPyTorch() {
        INDArray oneHot = Nd4j.createFromArray(new double[][] {{0, 0, 1}, {1, 0, 0}});
        INDArray indices = Nd4j.createFromArray(new double[][] {{2}, {0}});
        assertEquals(crossEntropy().computeScore(indices, LOGITS, IDENTITY, null, false),
                crossEntropy().computeScore(oneHot, LOGITS, IDENTITY, null, false), 1e-12);
        assertEquals(crossEntropy().computeGradient(indices, LOGITS, IDENTITY, null),
                crossEntropy().computeGradient(oneHot, LOGITS, IDENTITY, null));
    }

    @Test
    void labelsWithTheWrongRowCountAreAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crossEntropy()
                .computeScore(Nd4j.createFromArray(new double[][] {{1}, {0}, {2}}), LOGITS, IDENTITY, null, false));
        assertEquals("CrossEntropyLoss: labels have shape [3, 1] but expected 2 rows, as preOutput [2, 3]", e.getMessage());
    }
}
