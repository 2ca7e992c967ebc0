package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.samples.Classification.Examples;
import dev.lossforge.testing.LossAssertions;
import dev.lossforge.torch.CrossEntropyLoss;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FocalLossTest {
    private static final double[][] LOGITS = {{2.0, 0.0, -1.0}, {0.5, 0.5, 0.5}, {-0.3, 1.2, 0.4}, {0.0, -2.0, 3.0}};
    private static final long[] TARGETS = {0, 2, 1, 1};

    private static INDArray logits() {
        return Nd4j.create(LOGITS).castTo(DataType.DOUBLE);
    }

    private static INDArray targets() {
        return Nd4j.createFromArray(TARGETS);
    }

    @Test
    void theProcessorGeneratedFocalLossFromSampleLosses() throws Exception {
        // Loaded by name, so that this test states what the build produced rather than what the test compiled against.
        Class<?> generated = Class.forName("dev.lossforge.samples.FocalLoss");
        assertTrue(LossFunction.class.isAssignableFrom(generated));
        LossFunction focal = (LossFunction) generated.getConstructor().newInstance();
        assertEquals("FocalLoss", focal.name());
        assertEquals(2, focal.signature().arity());
        assertTrue(focal.signature().inputs().get(1).index(), "the target holds class indices");
        assertEquals(2.0, ((Number) focal.options().get("gamma")).doubleValue());
    }

    @Test
    void matchesTheFocalLossFormulaComputedByHand() {
        double expected = 0;
        for (int n = 0; n < LOGITS.length; n++) {
            double[] z = LOGITS[n];
            double denominator = 0;
            for (double v : z) {
                denominator += Math.exp(v);
            }
            double p = Math.exp(z[(int) TARGETS[n]]) / denominator;
            expected += -Math.pow(1 - p, 2) * Math.log(p) / LOGITS.length;
        }
        double actual = FocalLoss.builder().gamma(2).build().forward(logits(), targets()).getDouble(0);
        assertEquals(expected, actual, 1e-12);
    }

    @Test
    void withGammaZeroItIsCrossEntropy() {
        LossFunction focal = FocalLoss.builder().gamma(0).build();
        LossFunction crossEntropy = CrossEntropyLoss.builder().build();
        assertEquals(crossEntropy.forward(logits(), targets()).getDouble(0), focal.forward(logits(), targets()).getDouble(0), 1e-12);
        INDArray one = Nd4j.scalar(DataType.DOUBLE, 1.0);
        INDArray[] focalGrads = focal.backward(one, logits(), targets());
        INDArray[] ceGrads = crossEntropy.backward(one, logits(), targets());
        assertArrayEquals(ceGrads[0].data().asDouble(), focalGrads[0].data().asDouble(), 1e-12);
        assertNull(focalGrads[1], "class indices get no gradient");
    }

    @Test
    void itsDerivedGradientMatchesFiniteDifferences() {
        // every reduction, with and without per-class alpha; the gradient of the logits (targets are class indices)
        LossAssertions.assertGradientsMatchFiniteDifferences(FocalLoss.builder().gamma(2).build(), logits(), targets());
        LossAssertions.assertGradientsMatchFiniteDifferences(
                FocalLoss.builder().gamma(3.5).alpha(Nd4j.createFromArray(0.25, 1.0, 2.0)).build(), logits(), targets());
    }

    @Test
    void itsReductionsAgreeWithTheUnreducedLoss() {
        LossAssertions.assertReductionsConsistent(FocalLoss.builder().gamma(2).build(), logits(), targets());
    }

    @Test
    void trainsADl4jNetwork() {
        Examples train = FocalLossSample.synthetic(500, FocalLossSample.SEED);
        MultiLayerNetwork net = Classification.network(2, FocalLossSample.HIDDEN, 3,
                Dl4jLosses.of(FocalLoss.builder().gamma(2).build()), Activation.IDENTITY, FocalLossSample.LEARNING_RATE,
                FocalLossSample.SEED, null);
        double before = net.score(train.withClassColumn());
        Random shuffle = new Random(FocalLossSample.SEED);
        for (int epoch = 0; epoch < 10; epoch++) {
            for (int[] rows : Classification.shuffledBatches(train.size(), FocalLossSample.BATCH_SIZE, shuffle)) {
                Examples batch = train.rows(rows);
                net.fit(batch.features(), batch.classColumn());
            }
        }
        double after = net.score(train.withClassColumn());
        // observed: about 0.47 before, 0.036 after 10 epochs
        assertTrue(Double.isFinite(after) && after < before / 4, "focal loss went from " + before + " to " + after);
        // and it learned more than the majority class, which alone gets 90% (observed: 95%)
        double accuracy = Classification.accuracy(Classification.predict(net, train.features()), train.classes());
        assertTrue(accuracy > 0.92, "training accuracy " + accuracy);
    }
}
