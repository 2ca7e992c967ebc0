package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossFunction;
import dev.lossforge.extra.ExtraLosses;
import dev.lossforge.testing.LossAssertions;
import dev.lossforge.torch.TorchLosses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SegmentationSampleTest {
    private static final Random RANDOM = new Random(3);

    private static INDArray logits() {
        return Nd4j.randn(RANDOM.nextLong(), new long[] {3, 8}).castTo(DataType.DOUBLE);
    }

    private static INDArray mask() {
        return Nd4j.createFromArray(new double[][] {{1, 1, 0, 0, 0, 0, 1, 0}, {0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 0, 1, 1, 1}});
    }

    @Test
    void diceBceIsTheCatalogsDicePlusBceWithLogits() {
        INDArray x = logits();
        INDArray m = mask();
        LossFunction dice = ExtraLosses.create("DiceLoss", Map.of("sigmoid", true));
        LossFunction bce = TorchLosses.create("BCEWithLogitsLoss");
        double expected = dice.forward(x, m).getDouble(0) + bce.forward(x, m).getDouble(0);
        assertEquals(expected, DiceBceLoss.builder().build().forward(x, m).getDouble(0), 1e-12);
        INDArray one = Nd4j.scalar(DataType.DOUBLE, 1.0);
        INDArray expectedGradient = dice.backward(one, x, m)[0].add(bce.backward(one, x, m)[0]);
        INDArray gradient = DiceBceLoss.builder().build().backward(one, x, m)[0];
        assertEquals(0.0, expectedGradient.sub(gradient).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void itsGradientAndReductionsPassLossAssertions() {
        LossAssertions.assertGradientsMatchFiniteDifferences(DiceBceLoss.builder().build(), logits(), mask());
        LossAssertions.assertReductionsConsistent(DiceBceLoss.builder().build(), logits(), mask());
    }

    @Test
    void trainingRaisesTheTestIou() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<Double> iou = SegmentationSample.run(4, new PrintStream(printed, true));
        // observed: 0.526 after the first epoch and 0.736 after the fourth (0.821 after 15)
        assertTrue(iou.get(3) > 0.7 && iou.get(3) > iou.get(0), "test IoU per epoch " + iou);
        String[] lines = printed.toString().split("\n");
        assertTrue(lines[lines.length - 1].matches("\\s+4\\s+\\d+\\.\\d{4}\\s+0\\.\\d{3}"), "the last line is epoch 4: " + lines[lines.length - 1]);
    }
}
