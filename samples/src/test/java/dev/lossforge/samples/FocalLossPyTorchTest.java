package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lossforge.LossFunction;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A user's own {@code @Loss} (this module's FocalLoss, compiled by the processor as in any Maven project) against
 * PyTorch 1.13: forward and gradient for every reduction, gamma and alpha, float64 to 1e-9 and float32 to 1e-4.
 * The golden file is written by tools/golden/gen_focal.py, which computes the focal loss in plain PyTorch ops.
 */
class FocalLossPyTorchTest {

    @TestFactory
    Stream<DynamicTest> focalLossMatchesPyTorch() throws Exception {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/golden/FocalLoss.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("id").asText(), () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(JsonNode c) {
        JsonNode options = c.get("options");
        FocalLoss.Builder builder = FocalLoss.builder().set("reduction", options.get("reduction").asText())
                .gamma(options.get("gamma").asDouble());
        if (options.has("alpha")) {
            builder.alpha(tensor(options.get("alpha")));
        }
        LossFunction loss = builder.build();
        INDArray input = tensor(c.get("inputs").get(0));
        INDArray target = tensor(c.get("inputs").get(1));
        double tolerance = c.get("dtype").asText().equals("float32") ? 1e-4 : 1e-9;
        assertClose(tensor(c.get("output")), loss.forward(input, target), tolerance);
        INDArray[] grads = loss.backward(tensor(c.get("grad_output")), input, target);
        assertClose(tensor(c.get("grads").get(0)), grads[0], tolerance);
        assertNull(grads[1], "class indices get no gradient");
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], relative * Math.max(1.0, Math.abs(e[i])), "element " + i);
        }
    }

    private static INDArray tensor(JsonNode t) {
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asLong();
        }
        double[] data = new double[t.get("data").size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = t.get("data").get(i).asDouble();
        }
        DataType type = switch (t.get("dtype").asText()) {
            case "float32" -> DataType.FLOAT;
            case "int64" -> DataType.LONG;
            default -> DataType.DOUBLE;
        };
        return Nd4j.createFromArray(data).reshape('c', shape).castTo(type);
    }
}
