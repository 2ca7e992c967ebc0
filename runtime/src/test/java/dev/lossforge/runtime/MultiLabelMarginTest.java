package dev.lossforge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.runtime.CtcTest.Golden;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link MultiLabelMargin} against every case of golden/MultiLabelMarginLoss.json (PyTorch 1.13), with the
 * reduction applied here (none: per-sample; sum; mean over the samples), float64 to 1e-9 relative, float32 to
 * 1e-4. The golden file reader and {@code assertClose} are {@link CtcTest}'s.
 */
class MultiLabelMarginTest {

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseMatchesPyTorch() {
        List<Golden> cases = Golden.load("MultiLabelMarginLoss");
        assertEquals(23, cases.size(), "golden cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.id, () -> check(c)));
    }

    private static void check(Golden c) {
        INDArray input = c.inputs.get("input");
        INDArray target = c.inputs.get("target");
        String reduction = c.options.get("reduction").asText();
        double[] inputBefore = input.dup('c').data().asDouble();
        double[] targetBefore = target.dup('c').data().asDouble();

        if (c.error != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiLabelMargin.forward(input, target),
                    c.id + " must be rejected (PyTorch: " + c.error + ")");
            assertTrue(e.getMessage().startsWith("MultiLabelMarginLoss: "), e.getMessage());
            return;
        }
        double tolerance = c.dtype.equals("float32") ? 1e-4 : 1e-9;

        INDArray perSample = MultiLabelMargin.forward(input, target);
        assertEquals(input.dataType(), perSample.dataType());
        CtcTest.assertClose(c.id + " output", c.output, reduce(perSample, reduction), tolerance);

        INDArray grad = MultiLabelMargin.backward(reduceBackward(c.gradOutput, perSample, reduction), input, target);
        assertEquals(input.dataType(), grad.dataType());
        CtcTest.assertClose(c.id + " gradient of input", c.grads.get(0), grad, tolerance);
        assertEquals(null, c.grads.get(1), "PyTorch gives the int64 target no gradient");

        assertArrayEquals(inputBefore, input.dup('c').data().asDouble(), "input must not be modified");
        assertArrayEquals(targetBefore, target.dup('c').data().asDouble(), "target must not be modified");
    }

    /** PyTorch's reduction of the per-sample losses: none keeps them, sum adds them, mean averages over N. */
    private static INDArray reduce(INDArray perSample, String reduction) {
        double[] loss = perSample.dup('c').data().asDouble();
        double sum = 0.0;
        for (double l : loss) {
            sum += l;
        }
        return switch (reduction) {
            case "none" -> perSample;
            case "sum" -> Nd4j.scalar(sum).castTo(perSample.dataType());
            case "mean" -> Nd4j.scalar(sum / loss.length).castTo(perSample.dataType());
            default -> throw new AssertionError(reduction);
        };
    }

    /** d(reduced) / d(per-sample) times gradOutput. */
    private static INDArray reduceBackward(INDArray gradOutput, INDArray perSample, String reduction) {
        long n = perSample.length();
        return switch (reduction) {
            case "none" -> gradOutput;
            case "sum" -> Nd4j.valueArrayOf(perSample.shape(), gradOutput.getDouble(0), perSample.dataType());
            case "mean" -> Nd4j.valueArrayOf(perSample.shape(), gradOutput.getDouble(0) / n, perSample.dataType());
            default -> throw new AssertionError(reduction);
        };
    }

    // ---------------------------------------------------------------- semantics beyond the goldens

    /** The docs example: labels {3, 0}, non-labels {1, 2}: (1-(0.8-0.2) + 1-(0.8-0.4) + 1-(0.1-0.2) + 1-(0.1-0.4)) / 4. */
    @Test
    void pytorchDocsExample() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.1, 0.2, 0.4, 0.8}});
        INDArray y = Nd4j.createFromArray(new long[][] {{3, 0, -1, 1}});
        assertEquals(0.85, MultiLabelMargin.forward(x, y).getDouble(0), 1e-15);
    }

    /** PyTorch tests z > 0: a hinge exactly at 0 contributes neither loss nor gradient. */
    @Test
    void theHingeAtZeroHasZeroSubgradient() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1.0, 0.0, 0.5}});
        INDArray y = Nd4j.createFromArray(new long[][] {{0, -1, -1}});
        // pairs (0, 1): z = 1 - 1 + 0 = 0, inactive; (0, 2): z = 0.5
        assertEquals(0.5 / 3, MultiLabelMargin.forward(x, y).getDouble(0), 1e-15);
        INDArray grad = MultiLabelMargin.backward(Nd4j.createFromArray(1.0), x, y);
        assertArrayEquals(new double[] {-1.0 / 3, 0.0, 1.0 / 3}, grad.dup('c').data().asDouble(), 1e-15);
    }

    /** A label listed twice counts twice; entries after the first -1 are not labels. */
    @Test
    void aRepeatedLabelCountsTwice() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.3, 0.2, 0.1, 0.0}});
        INDArray y = Nd4j.createFromArray(new long[][] {{1, 1, -1, 0}});
        assertEquals(1.4, MultiLabelMargin.forward(x, y).getDouble(0), 1e-12);
        INDArray grad = MultiLabelMargin.backward(Nd4j.createFromArray(1.0), x, y);
        assertArrayEquals(new double[] {0.5, -1.5, 0.5, 0.5}, grad.dup('c').data().asDouble(), 1e-12);
    }

    @Test
    void nanInputsFailTheHingeTest() {
        INDArray x = Nd4j.createFromArray(new double[][] {{Double.NaN, 0.2, 0.1}});
        INDArray y = Nd4j.createFromArray(new long[][] {{0, -1, -1}});
        assertEquals(0.0, MultiLabelMargin.forward(x, y).getDouble(0));
        assertEquals(0.0, MultiLabelMargin.backward(Nd4j.createFromArray(1.0), x, y).norm1Number().doubleValue());
    }

    @Test
    void unbatchedScalarAndEmptyBatchShapes() {
        // label 2 against 0 (z = 1 - 1 + 0.5) and 1 (z = 1 - 1 - 0.5, inactive)
        INDArray unbatched = MultiLabelMargin.forward(Nd4j.createFromArray(0.5, -0.5, 1.0), Nd4j.createFromArray(2L, -1L, -1L));
        assertEquals(0, unbatched.rank());
        assertEquals(0.5 / 3, unbatched.getDouble(0), 1e-15);
        INDArray scalar = MultiLabelMargin.forward(Nd4j.scalar(0.5), Nd4j.scalar(0L));
        assertEquals(0, scalar.rank());
        INDArray empty = MultiLabelMargin.forward(Nd4j.create(DataType.FLOAT, 0, 3), Nd4j.create(DataType.LONG, 0, 3));
        assertArrayEquals(new long[] {0}, empty.shape());
        assertEquals(DataType.FLOAT, empty.dataType());
        INDArray emptyGrad = MultiLabelMargin.backward(Nd4j.create(DataType.FLOAT, 0), Nd4j.create(DataType.FLOAT, 0, 3),
                Nd4j.create(DataType.LONG, 0, 3));
        assertArrayEquals(new long[] {0, 3}, emptyGrad.shape());
    }

    @Test
    void floatInputsStayFloatAndTargetsOfAnyIntegerDtype() {
        INDArray x = Nd4j.createFromArray(new float[][] {{0.1f, 0.2f, 0.4f, 0.8f}});
        INDArray asLong = MultiLabelMargin.forward(x, Nd4j.createFromArray(new long[][] {{3, 0, -1, 1}}));
        INDArray asInt = MultiLabelMargin.forward(x, Nd4j.createFromArray(new int[][] {{3, 0, -1, 1}}));
        assertEquals(DataType.FLOAT, asLong.dataType());
        assertEquals(asLong, asInt);
    }

    @TestFactory
    Stream<DynamicTest> rejectsInconsistentArguments() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3);
        Map<String, Executable> cases = new LinkedHashMap<>(); // the expected message part -> the call
        cases.put("target has shape [1,3] but must have the input's shape [2,3]",
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(new long[][] {{0, 1, -1}})));
        cases.put("target has shape [3] but must have the input's shape [2,3]",
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(0L, 1L, -1L)));
        cases.put("target has shape [1,3] but must have the input's shape [3]",
                () -> MultiLabelMargin.forward(Nd4j.rand(DataType.DOUBLE, 3), Nd4j.createFromArray(new long[][] {{0, 1, -1}})));
        cases.put("target holds 3, out of range",
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(new long[][] {{0, 3, -1}, {0, -1, -1}})));
        cases.put("target holds -2, out of range",
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(new long[][] {{0, -2, -1}, {0, -1, -1}})));
        cases.put("target holds 7, out of range", // PyTorch checks the entries after the first -1 too
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(new long[][] {{0, -1, 7}, {0, -1, -1}})));
        cases.put("target holds 0.5, which is not a class index",
                () -> MultiLabelMargin.forward(x, Nd4j.createFromArray(new double[][] {{0, 0.5, -1}, {0, -1, -1}})));
        cases.put("input must be (C) or (N, C) with C > 0",
                () -> MultiLabelMargin.forward(Nd4j.create(DataType.DOUBLE, 2, 0), Nd4j.create(DataType.LONG, 2, 0)));
        cases.put("input must be (C) or (N, C) with C > 0 (N may be 0), but has shape [2,3,1]",
                () -> MultiLabelMargin.forward(x.reshape(2, 3, 1), Nd4j.zeros(DataType.LONG, 2, 3, 1)));
        cases.put("input has dtype LONG", () -> MultiLabelMargin.forward(Nd4j.zeros(DataType.LONG, 2, 3), Nd4j.zeros(DataType.LONG, 2, 3)));
        cases.put("gradPerSample must have the per-sample loss's shape (N) with N=2",
                () -> MultiLabelMargin.backward(Nd4j.scalar(1.0), x, Nd4j.zeros(DataType.LONG, 2, 3)));
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, e.getValue());
            assertTrue(thrown.getMessage().startsWith("MultiLabelMarginLoss: "), thrown.getMessage());
            assertTrue(thrown.getMessage().contains(e.getKey()), "expected \"" + e.getKey() + "\" in: " + thrown.getMessage());
        }));
    }
}
