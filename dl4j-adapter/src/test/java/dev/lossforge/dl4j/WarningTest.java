package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.torch.TorchLosses;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A logits loss after softmax/sigmoid is warned about once per adapter instance; a right setup is not. */
class WarningTest {
    private static final INDArray LOGITS = Nd4j.createFromArray(new double[][] {{0.3, -1.2, 0.8}, {2.1, 0.4, -0.6}});
    private static final INDArray LABELS = Nd4j.createFromArray(new double[][] {{2}, {0}});

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static List<String> warningsAfterThreeSteps(Dl4jLoss loss, IActivation activation) {
        List<String> warnings = new CopyOnWriteArrayList<>();
        loss.warningSink = warnings::add;
        for (int i = 0; i < 3; i++) {
            loss.computeGradient(LABELS, LOGITS, activation, null);
            loss.computeScore(LABELS, LOGITS, activation, null, false);
        }
        return warnings;
    }

    @Test
    void crossEntropyAfterSoftmaxWarnsOnce() {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of()));
        List<String> warnings = warningsAfterThreeSteps(loss, Activation.SOFTMAX.getActivationFunction());
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("LossForge: CrossEntropyLoss takes raw logits and applies its own log-softmax, but the output layer's"
                + " activation is softmax, so it is applied twice. This is likely a mistake: use Activation.IDENTITY on the"
                + " output layer (as in PyTorch, where no softmax/sigmoid precedes CrossEntropyLoss).", warnings.get(0));
        // once per instance: a second adapter warns again
        assertEquals(1, warningsAfterThreeSteps(Dl4jLosses.of(loss.loss()), Activation.SOFTMAX.getActivationFunction()).size());
    }

    @Test
    void crossEntropyAfterSigmoidWarns() {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of()));
        List<String> warnings = warningsAfterThreeSteps(loss, Activation.SIGMOID.getActivationFunction());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("activation is sigmoid"), warnings.get(0));
    }

    @Test
    void nllAfterSoftmaxPointsToLogSoftmax() {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("NLLLoss", Map.of()));
        List<String> warnings = warningsAfterThreeSteps(loss, Activation.SOFTMAX.getActivationFunction());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("new ActivationLogSoftmax()"), warnings.get(0));
    }

    @Test
    void rightSetupsDoNotWarn() {
        assertEquals(List.of(), warningsAfterThreeSteps(Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss", Map.of())),
                Activation.IDENTITY.getActivationFunction()));
        assertEquals(List.of(), warningsAfterThreeSteps(Dl4jLosses.of(TorchLosses.create("NLLLoss", Map.of())),
                new ActivationLogSoftmax()));
    }
}
