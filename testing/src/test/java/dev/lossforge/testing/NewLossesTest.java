package dev.lossforge.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.extra.ExtraLosses;
import dev.lossforge.torch.TorchVisionLosses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The losses added beside torch.nn's (TorchVisionLosses, ExtraLosses), checked with this module's own assertions (their
 * values against PyTorch are the torch module's golden tests), and through the DL4J adapter: its score and
 * gradient are the loss's, and a small network trains with it.
 */
class NewLossesTest {
    /** Reset by {@link #cases()}, so that every test factory sees the same inputs. */
    private static Random random = new Random(16);

    /** A loss with a prediction and a target away from kinks (no ties between box edges, no p_t of 0 or 1). */
    record Case(String name, LossFunction loss, INDArray prediction, INDArray target) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        random = new Random(16);
        List<Case> cases = new ArrayList<>();
        for (Map<String, Object> options : List.<Map<String, Object>>of(Map.of(), Map.of("alpha", -1.0, "gamma", 1.5),
                Map.of("alpha", 0.6, "gamma", 0.0))) {
            cases.add(new Case("sigmoid_focal_loss " + options, TorchVisionLosses.create("sigmoid_focal_loss", options),
                    normal(3, 4).mul(2), Nd4j.createFromArray(new double[][] {{0, 1, 1, 0}, {1, 0, 0, 0}, {0.2, 0.9, 1, 0}})));
        }
        for (String boxLoss : List.of("generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss")) {
            cases.add(new Case(boxLoss, TorchVisionLosses.create(boxLoss, Map.of("eps", 1e-7)), boxes(5), boxes(5)));
        }
        // one-channel segmentation (N,S): what a DL4J dense output layer gives
        INDArray mask = Nd4j.createFromArray(new double[][] {{1, 1, 0, 0, 1, 0}, {0, 1, 1, 1, 0, 0}, {0, 0, 0, 1, 1, 1}});
        cases.add(new Case("DiceLoss sigmoid", ExtraLosses.create("DiceLoss", Map.of("sigmoid", true)), normal(3, 6), mask));
        cases.add(new Case("DiceLoss sigmoid squared_pred jaccard", ExtraLosses.create("DiceLoss",
                Map.of("sigmoid", true, "squared_pred", true, "jaccard", true)), normal(3, 6), mask));
        cases.add(new Case("TverskyLoss sigmoid", ExtraLosses.create("TverskyLoss", Map.of("sigmoid", true, "alpha", 0.3, "beta", 0.7)),
                normal(3, 6), mask));
        INDArray positive = normal(4, 3).mul(0.5).add(2.0);
        cases.add(new Case("LogCosh", ExtraLosses.create("LogCosh", Map.of()), normal(4, 3), normal(4, 3)));
        cases.add(new Case("MeanSquaredLogarithmicError", ExtraLosses.create("MeanSquaredLogarithmicError", Map.of()),
                normal(4, 3).mul(0.5).add(2.0), positive));
        cases.add(new Case("MeanAbsolutePercentageError", ExtraLosses.create("MeanAbsolutePercentageError", Map.of()),
                normal(4, 3), positive));
        cases.add(new Case("SquaredHinge", ExtraLosses.create("SquaredHinge", Map.of()), normal(4, 3).mul(0.3),
                Nd4j.createFromArray(new double[][] {{1, -1, 1}, {-1, -1, 1}, {1, 1, -1}, {-1, 1, 1}})));
        cases.add(new Case("CategoricalHinge", ExtraLosses.create("CategoricalHinge", Map.of()), normal(4, 3).mul(0.3),
                Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0}})));
        return cases;
    }

    /** Dice and Tversky on (N,C,S), every option; their MEAN divides by the (example, channel) pairs scored. */
    @TestFactory
    Stream<DynamicTest> multiChannelSegmentationLossesPassBothChecks() {
        random = new Random(17);
        INDArray logits = normal(2, 6).reshape(2, 3, 2);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, 2, 3, 2);
        for (int n = 0; n < 2; n++) {
            for (int s = 0; s < 2; s++) {
                oneHot.putScalar(new int[] {n, (n + s) % 3, s}, 1.0);
            }
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("DiceLoss", "TverskyLoss")) {
            for (Map<String, Object> options : List.<Map<String, Object>>of(Map.of("softmax", true),
                    Map.of("softmax", true, "include_background", false), Map.of("sigmoid", true, "smooth_nr", 0.0, "smooth_dr", 1.0),
                    name.equals("DiceLoss") ? Map.of("softmax", true, "squared_pred", true, "jaccard", true)
                            : Map.of("softmax", true, "alpha", 0.8, "beta", 0.1))) {
                LossFunction loss = ExtraLosses.create(name, options);
                int channelsScored = Boolean.FALSE.equals(options.get("include_background")) ? 2 : 3;
                tests.add(DynamicTest.dynamicTest(name + " " + options, () -> {
                    LossAssertions.assertGradientsMatchFiniteDifferences(loss, logits, oneHot);
                    LossAssertions.assertReductionsConsistent(loss, 2.0 * channelsScored, logits, oneHot);
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferences() {
        return cases().stream().filter(c -> !c.name().equals("complete_box_iou_loss")).map(c -> DynamicTest.dynamicTest(c.toString(),
                () -> LossAssertions.assertGradientsMatchFiniteDifferences(c.loss(), c.prediction(), c.target())));
    }

    /**
     * torchvision computes CIoU's alpha under no_grad, so its gradient is not the derivative of its value, and
     * torch.autograd.gradcheck rejects it too; its gradient is pinned against torchvision by the golden tests.
     */
    @org.junit.jupiter.api.Test
    void completeBoxIouLossFailsAGradcheckAsInPyTorch() {
        LossFunction ciou = TorchVisionLosses.create("complete_box_iou_loss", Map.of());
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> LossAssertions.assertGradientsMatchFiniteDifferences(ciou, boxes(3), boxes(3)));
        assertTrue(e.getMessage().matches("CompleteBoxIouLoss \\(reduction NONE\\): d loss\\[\\d\\] / d boxes[12]\\[\\d, \\d\\] is .*"),
                e.getMessage());
    }

    @TestFactory
    Stream<DynamicTest> reductionsAgreeWithNone() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(),
                () -> LossAssertions.assertReductionsConsistent(c.loss(), c.prediction(), c.target())));
    }

    /** The adapter (mean reduction) scores L and returns N dL/dz, as docs/dl4j-adapter.md says. */
    @TestFactory
    Stream<DynamicTest> theDl4jAdapterGivesTheLossAndItsGradient() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            LossFunction mean = c.loss().withReduction(Reduction.MEAN);
            var adapter = Dl4jLosses.of(mean);
            INDArray z = c.prediction();
            INDArray labels = c.target();
            double expected = mean.forward(z, labels).getDouble(0);
            assertEquals(expected, adapter.computeScore(labels, z.dup(), new ActivationIdentity(), null, true), 1e-12);
            INDArray expectedGradient = mean.backward(Nd4j.scalar(DataType.DOUBLE, 1.0), z, labels)[0].mul(z.size(0));
            INDArray gradient = adapter.computeGradient(labels, z.dup(), new ActivationIdentity(), null);
            assertArrayEquals(expectedGradient.data().asDouble(), gradient.data().asDouble(), 1e-12);
        }));
    }

    /**
     * Each loss trains a small dense network on a fixed mapping: its score falls by at least 15% in 100 Adam steps
     * (observed: 20% for MeanSquaredLogarithmicError, 37% to over 90% for the others).
     */
    @TestFactory
    Stream<DynamicTest> trainsADl4jNetwork() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            long n = c.prediction().size(0);
            long width = c.prediction().size(1);
            INDArray features = normal(n, 3);
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(16).updater(new Adam(0.01))
                    .dataType(DataType.DOUBLE).list()
                    .layer(new DenseLayer.Builder().nIn(3).nOut(16).activation(Activation.TANH).build())
                    .layer(new OutputLayer.Builder(Dl4jLosses.of(c.loss().withReduction(Reduction.MEAN))).nIn(16).nOut(width)
                            .activation(Activation.IDENTITY).build())
                    .build());
            net.init();
            DataSet data = new DataSet(features, c.target());
            double before = net.score(data);
            for (int step = 0; step < 100; step++) {
                net.fit(data);
            }
            double after = net.score(data);
            assertTrue(Double.isFinite(after) && after < 0.85 * before, c + ": score went from " + before + " to " + after);
        }));
    }

    private static INDArray normal(long rows, long columns) {
        double[][] values = new double[(int) rows][(int) columns];
        for (double[] row : values) {
            for (int j = 0; j < row.length; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return Nd4j.createFromArray(values);
    }

    /** Valid boxes (x1 < x2, y1 < y2) in a small area, so that pairs overlap about half the time. */
    private static INDArray boxes(int n) {
        double[][] values = new double[n][];
        for (int i = 0; i < n; i++) {
            double x = random.nextDouble() * 6;
            double y = random.nextDouble() * 6;
            values[i] = new double[] {x, y, x + 0.5 + random.nextDouble() * 3.5, y + 0.5 + random.nextDouble() * 3.5};
        }
        return Nd4j.createFromArray(values);
    }
}
