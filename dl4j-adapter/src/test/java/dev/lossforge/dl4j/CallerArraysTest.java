package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.LossFunction;
import dev.lossforge.torch.TorchLosses;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The adapter never writes to the caller's labels, preOutput or mask, whatever the activation: DL4J's
 * getActivation works in place for sigmoid, softmax, tanh..., identity returns its very argument, and
 * backprop overwrites its input.
 */
class CallerArraysTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Stream<Arguments> cases() {
        INDArray probs = Nd4j.createFromArray(new double[][] {{0.2, 0.9, 0.5}, {0.7, 0.1, 0.4}, {0.5, 0.5, 0.3}});
        INDArray real = Nd4j.createFromArray(new double[][] {{0.2, -0.9, 1.5}, {0.7, 0.1, -0.4}, {-2.5, 0.5, 0.3}});
        INDArray index = Nd4j.createFromArray(new double[][] {{2}, {0}, {1}});
        return Stream.of(
                Arguments.of("MSELoss", Activation.IDENTITY.getActivationFunction(), real),
                Arguments.of("MSELoss", Activation.TANH.getActivationFunction(), real),
                Arguments.of("BCELoss", Activation.SIGMOID.getActivationFunction(), probs),
                Arguments.of("NLLLoss", new ActivationLogSoftmax(), index),
                Arguments.of("CrossEntropyLoss", Activation.IDENTITY.getActivationFunction(), index),
                Arguments.of("CrossEntropyLoss", Activation.SOFTMAX.getActivationFunction(), index),
                // every other two-input catalog loss, with labels of its own kind
                Arguments.of("L1Loss", Activation.IDENTITY.getActivationFunction(), real),
                Arguments.of("SmoothL1Loss", Activation.TANH.getActivationFunction(), real),
                Arguments.of("HuberLoss", Activation.IDENTITY.getActivationFunction(), real),
                Arguments.of("BCEWithLogitsLoss", Activation.IDENTITY.getActivationFunction(), probs),
                Arguments.of("MultiLabelSoftMarginLoss", Activation.IDENTITY.getActivationFunction(), probs.gt(0.45).castTo(DataType.DOUBLE)),
                Arguments.of("SoftMarginLoss", Activation.IDENTITY.getActivationFunction(), real.gt(0).castTo(DataType.DOUBLE).mul(2).sub(1)),
                Arguments.of("HingeEmbeddingLoss", Activation.IDENTITY.getActivationFunction(), real.gt(0).castTo(DataType.DOUBLE).mul(2).sub(1)),
                Arguments.of("KLDivLoss", new ActivationLogSoftmax(), probs),
                Arguments.of("PoissonNLLLoss", Activation.IDENTITY.getActivationFunction(), probs.mul(4)),
                Arguments.of("MultiMarginLoss", Activation.IDENTITY.getActivationFunction(), index),
                Arguments.of("MultiLabelMarginLoss", Activation.IDENTITY.getActivationFunction(),
                        Nd4j.createFromArray(new double[][] {{2, -1, -1}, {0, 1, -1}, {1, -1, -1}})));
    }

    @ParameterizedTest(autoCloseArguments = false) // INDArray is AutoCloseable; the label arrays are shared between cases
    @MethodSource("cases")
    void callerArraysAreUnchanged(String torchName, IActivation activation, INDArray labels) {
        LossFunction loss = TorchLosses.create(torchName, Map.of());
        Dl4jLoss adapter = Dl4jLosses.of(loss);
        adapter.warningSink = message -> { }; // the softmax + CrossEntropyLoss case warns; not under test here
        INDArray preOutput = Nd4j.createFromArray(new double[][] {{0.3, -1.2, 0.8}, {2.1, 0.4, -0.6}, {-0.2, 0.0, 1.1}});
        for (INDArray mask : new INDArray[] {null, Nd4j.createFromArray(new double[][] {{1}, {0}, {1}})}) {
            List<INDArray> before = Stream.of(labels, preOutput, mask).map(a -> a == null ? null : a.dup()).toList();
            INDArray gradient = adapter.computeGradient(labels, preOutput, activation, mask);
            adapter.computeScore(labels, preOutput, activation, mask, false);
            adapter.computeScoreArray(labels, preOutput, activation, mask);
            adapter.computeGradientAndScore(labels, preOutput, activation, mask, true);
            assertUnchanged(before.get(0), labels, "labels");
            assertUnchanged(before.get(1), preOutput, "preOutput");
            assertUnchanged(before.get(2), mask, "mask");
            // nor does the returned gradient alias any of them
            gradient.addi(1000.0);
            assertUnchanged(before.get(0), labels, "labels after writing to the gradient");
            assertUnchanged(before.get(1), preOutput, "preOutput after writing to the gradient");
        }
    }

    private static void assertUnchanged(INDArray expected, INDArray actual, String what) {
        if (expected == null) {
            return;
        }
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dataType(), actual.dataType(), what + " dtype");
        assertArrayEquals(expected.dup('c').data().asDouble(), actual.dup('c').data().asDouble(), 0.0, what + " values");
    }
}
