package dev.lossforge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@link Ctc} against every case of golden/CTCLoss.json (PyTorch 1.13, tools/golden/gen_goldens.py): the
 * reduction PyTorch's {@code ctc_loss} applies on top of the per-sample loss is done here, in the test, and
 * the output and the gradient of log_probs are compared (float64 to 1e-9 relative, float32 to 1e-4).
 */
class CtcTest {

    // ---------------------------------------------------------------- golden cases

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseMatchesPyTorch() {
        List<Golden> cases = Golden.load("CTCLoss");
        assertEquals(40, cases.size(), "golden cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.id, () -> check(c)));
    }

    private static void check(Golden c) {
        INDArray logProbs = c.inputs.get("log_probs");
        INDArray targets = c.inputs.get("targets");
        INDArray inputLengths = c.inputs.get("input_lengths");
        INDArray targetLengths = c.inputs.get("target_lengths");
        long blank = c.options.has("blank") ? c.options.get("blank").asLong() : 0;
        boolean zeroInfinity = c.options.has("zero_infinity") && c.options.get("zero_infinity").asBoolean();
        String reduction = c.options.get("reduction").asText();
        List<double[]> snapshot = c.inputs.values().stream().map(CtcTest::values).toList();

        if (c.error != null) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Ctc.forward(logProbs, targets, inputLengths, targetLengths, blank), c.id + " must be rejected (PyTorch: " + c.error + ")");
            assertTrue(e.getMessage().startsWith("CTCLoss: "), e.getMessage());
            return;
        }
        double tolerance = c.dtype.equals("float32") ? 1e-4 : 1e-9;

        INDArray perSample = Ctc.forward(logProbs, targets, inputLengths, targetLengths, blank);
        assertEquals(logProbs.dataType(), perSample.dataType(), "the loss has the dtype of log_probs");
        long[] lengths = longs(targetLengths);
        assertClose(c.id + " output", c.output, TorchCtcReduction.forward(perSample, lengths, reduction, zeroInfinity), tolerance);

        INDArray gradPerSample = TorchCtcReduction.backward(c.gradOutput, perSample, lengths, reduction, zeroInfinity);
        INDArray grad = Ctc.backward(gradPerSample, logProbs, targets, inputLengths, targetLengths, blank, zeroInfinity);
        assertEquals(logProbs.dataType(), grad.dataType(), "the gradient has the dtype of log_probs");
        assertClose(c.id + " gradient of log_probs", c.grads.get(0), grad, tolerance);

        List<INDArray> after = new ArrayList<>(c.inputs.values());
        for (int i = 0; i < after.size(); i++) {
            assertArrayEquals(snapshot.get(i), values(after.get(i)), c.id + ": input " + i + " must not be modified");
        }
    }

    /**
     * What torch.nn.functional.ctc_loss (1.13, aten ctc_loss_impl) does with the per-sample losses of
     * {@code _ctc_loss}: with zero_infinity, infinite losses become 0 ({@code where(res == inf, 0, res)}); then
     * {@code none} keeps them, {@code sum} sums them, and {@code mean} divides each by its target length
     * clamped to at least 1 and averages over the batch. {@link #backward} is the chain rule of the same steps.
     */
    static final class TorchCtcReduction {
        static INDArray forward(INDArray perSample, long[] targetLengths, String reduction, boolean zeroInfinity) {
            double[] loss = perSample.dup('c').data().asDouble();
            if (zeroInfinity) {
                for (int b = 0; b < loss.length; b++) {
                    loss[b] = loss[b] == Double.POSITIVE_INFINITY ? 0.0 : loss[b];
                }
            }
            switch (reduction) {
                case "none":
                    return Nd4j.createFromArray(loss).reshape(perSample.shape()).castTo(perSample.dataType());
                case "sum": {
                    double sum = 0.0;
                    for (double l : loss) {
                        sum += l;
                    }
                    return Nd4j.scalar(sum).castTo(perSample.dataType());
                }
                case "mean": {
                    double sum = 0.0;
                    for (int b = 0; b < loss.length; b++) {
                        sum += loss[b] / Math.max(targetLengths[b], 1);
                    }
                    return Nd4j.scalar(sum / loss.length).castTo(perSample.dataType());
                }
                default:
                    throw new AssertionError(reduction);
            }
        }

        /** d(reduced loss) / d(per-sample loss), times gradOutput: what reaches Ctc.backward. */
        static INDArray backward(INDArray gradOutput, INDArray perSample, long[] targetLengths, String reduction, boolean zeroInfinity) {
            double[] loss = perSample.dup('c').data().asDouble();
            double[] gradOut = gradOutput.dup('c').data().asDouble();
            int n = loss.length;
            double[] g = new double[n];
            for (int b = 0; b < n; b++) {
                g[b] = switch (reduction) {
                    case "none" -> gradOut[b];
                    case "sum" -> gradOut[0];
                    case "mean" -> gradOut[0] / Math.max(targetLengths[b], 1) / n;
                    default -> throw new AssertionError(reduction);
                };
                if (zeroInfinity && loss[b] == Double.POSITIVE_INFINITY) {
                    g[b] = 0.0; // the where() passes no gradient to a replaced loss
                }
            }
            return Nd4j.createFromArray(g).reshape(perSample.shape()).castTo(perSample.dataType());
        }
    }

    // ---------------------------------------------------------------- semantics beyond the goldens

    /** T=2, C=3, target [1]: the paths "1 1", "0 1", "1 0" (0 is the blank). */
    @Test
    void smallExampleByHand() {
        double[][] p = {{0.2, 0.5, 0.3}, {0.6, 0.1, 0.3}};
        INDArray logProbs = Nd4j.createFromArray(new double[][][] {{log(p[0])}, {log(p[1])}});
        INDArray loss = Ctc.forward(logProbs, Nd4j.createFromArray(new long[][] {{1}}), Nd4j.createFromArray(2L),
                Nd4j.createFromArray(1L), 0);
        double likelihood = p[0][1] * p[1][1] + p[0][0] * p[1][1] + p[0][1] * p[1][0];
        assertArrayEquals(new long[] {1}, loss.shape());
        assertEquals(-Math.log(likelihood), loss.getDouble(0), 1e-14);
    }

    @Test
    void repeatedLabelsNeedABlankInBetweenAndTooLongTargetsAreInfinite() {
        INDArray logProbs = uniform(3, 1, 3);
        INDArray inputLengths = Nd4j.createFromArray(3L);
        // "1 1" in 3 frames: only the path "1 0 1"
        INDArray feasible = Ctc.forward(logProbs, Nd4j.createFromArray(1L, 1L), inputLengths, Nd4j.createFromArray(2L), 0);
        assertEquals(3 * Math.log(3), feasible.getDouble(0), 1e-12);
        // "1 1 1" needs 5 frames
        INDArray infeasible = Ctc.forward(logProbs, Nd4j.createFromArray(1L, 1L, 1L), inputLengths, Nd4j.createFromArray(3L), 0);
        assertEquals(Double.POSITIVE_INFINITY, infeasible.getDouble(0));
        INDArray nan = Ctc.backward(Nd4j.createFromArray(1.0), logProbs, Nd4j.createFromArray(1L, 1L, 1L), inputLengths,
                Nd4j.createFromArray(3L), 0, false);
        assertTrue(nan.isNaN().all(), "PyTorch's gradient of an infinite loss is NaN");
        INDArray zero = Ctc.backward(Nd4j.createFromArray(1.0), logProbs, Nd4j.createFromArray(1L, 1L, 1L), inputLengths,
                Nd4j.createFromArray(3L), 0, true);
        assertEquals(0.0, zero.norm1Number().doubleValue(), "zero_infinity zeroes it");
    }

    /** PyTorch's gradient is the derivative with respect to the logits of a log_softmax: check it by finite differences. */
    @Test
    void gradientIsTheDerivativeWithRespectToTheLogitsOfALogSoftmax() {
        Random random = new Random(7);
        long t = 6;
        long n = 2;
        long c = 4;
        Nd4j.getRandom().setSeed(7);
        INDArray logits = randomLogits(DataType.DOUBLE, t, n, c);
        INDArray targets = Nd4j.createFromArray(new long[][] {{1, 2, 2}, {3, 1, 0}});
        INDArray inputLengths = Nd4j.createFromArray(6L, 5L);
        INDArray targetLengths = Nd4j.createFromArray(3L, 2L);
        double[] weights = {0.7, -1.3};
        INDArray gradPerSample = Nd4j.createFromArray(weights);
        INDArray analytic = Ctc.backward(gradPerSample, logSoftmax(logits), targets, inputLengths, targetLengths, 0, false);
        double h = 1e-6;
        for (int k = 0; k < 12; k++) {
            long[] at = {random.nextInt((int) t), random.nextInt((int) n), random.nextInt((int) c)};
            INDArray plus = logits.dup();
            plus.putScalar(at, plus.getDouble(at) + h);
            INDArray minus = logits.dup();
            minus.putScalar(at, minus.getDouble(at) - h);
            double numeric = (weighted(plus, targets, inputLengths, targetLengths, weights)
                    - weighted(minus, targets, inputLengths, targetLengths, weights)) / (2 * h);
            assertEquals(numeric, analytic.getDouble(at), 1e-6, "d loss / d logits at " + java.util.Arrays.toString(at));
        }
    }

    private static double weighted(INDArray logits, INDArray targets, INDArray inputLengths, INDArray targetLengths, double[] weights) {
        INDArray loss = Ctc.forward(logSoftmax(logits), targets, inputLengths, targetLengths, 0);
        return weights[0] * loss.getDouble(0) + weights[1] * loss.getDouble(1);
    }

    @Test
    void paddedAndConcatenatedTargetsAgreeAndPaddingIsNeverRead() {
        INDArray logProbs = logSoftmax(randomLogits(DataType.DOUBLE, 7, 3, 5));
        INDArray inputLengths = Nd4j.createFromArray(7L, 6L, 4L);
        INDArray targetLengths = Nd4j.createFromArray(2L, 0L, 3L);
        INDArray padded = Nd4j.createFromArray(new long[][] {{1, 4, -1, 99}, {-1, -1, -1, -1}, {2, 2, 3, 0}});
        INDArray concatenated = Nd4j.createFromArray(1L, 4L, 2L, 2L, 3L);
        INDArray g = Nd4j.createFromArray(1.0, 2.0, 3.0);
        assertEquals(Ctc.forward(logProbs, concatenated, inputLengths, targetLengths, 0),
                Ctc.forward(logProbs, padded, inputLengths, targetLengths, 0));
        assertEquals(Ctc.backward(g, logProbs, concatenated, inputLengths, targetLengths, 0, false),
                Ctc.backward(g, logProbs, padded, inputLengths, targetLengths, 0, false));
    }

    @Test
    void lengthsAndTargetsOfAnyNumericDtype() {
        INDArray logProbs = logSoftmax(randomLogits(DataType.FLOAT, 5, 2, 4));
        INDArray expected = Ctc.forward(logProbs, Nd4j.createFromArray(new long[][] {{1, 2}, {3, 3}}), Nd4j.createFromArray(5L, 4L),
                Nd4j.createFromArray(2L, 2L), 0);
        INDArray ints = Ctc.forward(logProbs, Nd4j.createFromArray(new int[][] {{1, 2}, {3, 3}}), Nd4j.createFromArray(5, 4),
                Nd4j.createFromArray(2, 2), 0);
        INDArray floats = Ctc.forward(logProbs, Nd4j.createFromArray(new float[][] {{1, 2}, {3, 3}}), Nd4j.createFromArray(5f, 4f),
                Nd4j.createFromArray(2.0, 2.0), 0);
        assertEquals(DataType.FLOAT, expected.dataType());
        assertEquals(expected, ints);
        assertEquals(expected, floats);
    }

    @Test
    void unbatchedGivesAScalar() {
        INDArray logProbs = logSoftmax(randomLogits(DataType.DOUBLE, 5, 4));
        INDArray batched = Ctc.forward(logProbs.reshape(5, 1, 4), Nd4j.createFromArray(new long[][] {{2, 3}}), Nd4j.createFromArray(5L),
                Nd4j.createFromArray(2L), 0);
        INDArray loss = Ctc.forward(logProbs, Nd4j.createFromArray(2L, 3L), Nd4j.scalar(5L), Nd4j.scalar(2L), 0);
        assertEquals(0, loss.rank());
        assertEquals(batched.getDouble(0), loss.getDouble(0), 0.0);
        INDArray grad = Ctc.backward(Nd4j.scalar(1.0), logProbs, Nd4j.createFromArray(2L, 3L), Nd4j.scalar(5L), Nd4j.scalar(2L), 0, false);
        assertArrayEquals(new long[] {5, 4}, grad.shape());
    }

    /** PyTorch 1.13 reads uninitialised memory here; later versions, and Ctc, define it. */
    @Test
    void anEmptyInputEmitsOnlyTheEmptyTarget() {
        INDArray logProbs = uniform(3, 2, 3);
        INDArray targets = Nd4j.createFromArray(new long[][] {{1}, {1}});
        INDArray inputLengths = Nd4j.createFromArray(0L, 0L);
        INDArray targetLengths = Nd4j.createFromArray(0L, 1L);
        INDArray loss = Ctc.forward(logProbs, targets, inputLengths, targetLengths, 0);
        assertEquals(0.0, loss.getDouble(0));
        assertEquals(Double.POSITIVE_INFINITY, loss.getDouble(1));
        INDArray grad = Ctc.backward(Nd4j.createFromArray(1.0, 1.0), logProbs, targets, inputLengths, targetLengths, 0, false);
        assertEquals(0.0, grad.norm1Number().doubleValue(), "no frame, no gradient");
    }

    @Test
    void anEmptyBatch() {
        INDArray loss = Ctc.forward(Nd4j.create(DataType.DOUBLE, 4, 0, 3), Nd4j.create(DataType.LONG, 0, 2),
                Nd4j.create(DataType.LONG, 0), Nd4j.create(DataType.LONG, 0), 0);
        assertArrayEquals(new long[] {0}, loss.shape());
    }

    // ---------------------------------------------------------------- validation

    @TestFactory
    Stream<DynamicTest> rejectsInconsistentArguments() {
        INDArray lp = uniform(4, 2, 3);
        INDArray tg = Nd4j.createFromArray(new long[][] {{1, 2}, {2, 1}});
        INDArray il = Nd4j.createFromArray(4L, 3L);
        INDArray tl = Nd4j.createFromArray(2L, 2L);
        Map<String, Executable> cases = new LinkedHashMap<>(); // the expected message part -> the call
        cases.put("blank must be a class index in [0, C) with C=3, but is 3", () -> Ctc.forward(lp, tg, il, tl, 3));
        cases.put("blank must be a class index in [0, C) with C=3, but is -1", () -> Ctc.forward(lp, tg, il, tl, -1));
        cases.put("targets[0, 1] is 3, out of range", () -> Ctc.forward(lp, Nd4j.createFromArray(new long[][] {{1, 3}, {2, 1}}), il, tl, 0));
        cases.put("targets[1, 0] is -1, out of range", () -> Ctc.forward(lp, Nd4j.createFromArray(new long[][] {{1, 2}, {-1, 1}}), il, tl, 0));
        cases.put("targets[0, 0] is 0, the blank", () -> Ctc.forward(lp, Nd4j.createFromArray(new long[][] {{0, 2}, {2, 1}}), il, tl, 0));
        cases.put("targets[2] is 2, the blank", () -> Ctc.forward(lp, Nd4j.createFromArray(1L, 1L, 2L, 1L), il, tl, 2));
        cases.put("targets[0, 1] is 1.5, which is not a class index",
                () -> Ctc.forward(lp, Nd4j.createFromArray(new double[][] {{1, 1.5}, {2, 1}}), il, tl, 0));
        cases.put("inputLengths[1] is -1", () -> Ctc.forward(lp, tg, Nd4j.createFromArray(4L, -1L), tl, 0));
        cases.put("inputLengths[0] is 7 but must be in [0, T] with T=4", () -> Ctc.forward(lp, tg, Nd4j.createFromArray(7L, 3L), tl, 0));
        cases.put("inputLengths holds 3.5", () -> Ctc.forward(lp, tg, Nd4j.createFromArray(3.5, 3.0), tl, 0));
        cases.put("targetLengths[0] is -1", () -> Ctc.forward(lp, tg, il, Nd4j.createFromArray(-1L, 2L), 0));
        cases.put("inputLengths must hold one length per sample, shape (N) with N=2",
                () -> Ctc.forward(lp, tg, Nd4j.createFromArray(4L, 3L, 3L), tl, 0));
        cases.put("targetLengths must hold one length per sample, shape (N) with N=2",
                () -> Ctc.forward(lp, tg, il, Nd4j.createFromArray(2L), 0));
        cases.put("padded targets (N, S) must have N=2 rows", () -> Ctc.forward(lp, Nd4j.createFromArray(new long[][] {{1, 2}}), il, tl, 0));
        cases.put("targetLengths[0] is 3 but the padded targets (N, S) have only S=2 columns",
                () -> Ctc.forward(lp, tg, il, Nd4j.createFromArray(3L, 2L), 0));
        cases.put("concatenated targets must hold sum(targetLengths)=4 labels",
                () -> Ctc.forward(lp, Nd4j.createFromArray(1L, 2L, 1L), il, tl, 0));
        cases.put("targets must be padded (N, S) or concatenated", () -> Ctc.forward(lp, tg.reshape(2, 2, 1), il, tl, 0));
        cases.put("logProbs has dtype LONG", () -> Ctc.forward(Nd4j.zeros(DataType.LONG, 4, 2, 3), tg, il, tl, 0));
        cases.put("logProbs must be (T, N, C), or (T, C) unbatched", () -> Ctc.forward(lp.reshape(1, 4, 2, 3), tg, il, tl, 0));
        cases.put("unbatched logProbs", () -> Ctc.forward(uniform(4, 3), Nd4j.createFromArray(1L), il, Nd4j.scalar(1L), 0));
        cases.put("gradPerSample must have the per-sample loss's shape (N) with N=2",
                () -> Ctc.backward(Nd4j.scalar(1.0), lp, tg, il, tl, 0, false));
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, e.getValue());
            assertTrue(thrown.getMessage().startsWith("CTCLoss: "), thrown.getMessage());
            assertTrue(thrown.getMessage().contains(e.getKey()), "expected \"" + e.getKey() + "\" in: " + thrown.getMessage());
        }));
    }

    // ---------------------------------------------------------------- helpers

    private static INDArray uniform(long... shape) {
        long classes = shape[shape.length - 1];
        return Nd4j.valueArrayOf(shape, -Math.log(classes), DataType.DOUBLE);
    }

    private static double[] log(double[] p) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Math.log(p[i]);
        }
        return out;
    }

    private static double[] values(INDArray a) {
        return a.isEmpty() ? new double[0] : a.dup('c').data().asDouble();
    }

    /** log_softmax over the last dim, in double. */
    private static INDArray logSoftmax(INDArray logits) {
        long classes = logits.size(logits.rank() - 1);
        double[] x = values(logits);
        double[] out = new double[x.length];
        for (int row = 0; row < x.length; row += (int) classes) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, x[row + k]);
            }
            double sum = 0.0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(x[row + k] - max);
            }
            for (int k = 0; k < classes; k++) {
                out[row + k] = x[row + k] - max - Math.log(sum);
            }
        }
        return Nd4j.createFromArray(out).reshape('c', logits.shape()).castTo(logits.dataType());
    }

    private static INDArray randomLogits(DataType type, long... shape) {
        return Nd4j.rand(DataType.DOUBLE, shape).muli(4.0).subi(2.0).castTo(type);
    }

    private static long[] longs(INDArray a) {
        return a.isEmpty() ? new long[0] : a.dup('c').data().asLong();
    }

    /** Relative to max(1, |expected|); NaN and infinities must match exactly. */
    static void assertClose(String what, INDArray expected, INDArray actual, double relative) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.isEmpty() ? new double[0] : expected.dup('c').data().asDouble();
        double[] a = actual.isEmpty() ? new double[0] : actual.dup('c').data().asDouble();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + "[" + i + "]");
            } else if (!(Math.abs(e[i] - a[i]) <= relative * Math.max(1.0, Math.abs(e[i])))) {
                fail(what + "[" + i + "]: expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    /** One case of a golden file (format: tools/golden/README.md), inputs by name. */
    static final class Golden {
        String id;
        String dtype;
        JsonNode options;
        Map<String, INDArray> inputs = new LinkedHashMap<>();
        INDArray gradOutput;
        INDArray output;
        List<INDArray> grads = new ArrayList<>();
        String error;

        static List<Golden> load(String loss) {
            String path = "/golden/" + loss + ".json";
            try (InputStream in = Golden.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + path);
                }
                List<Golden> cases = new ArrayList<>();
                for (JsonNode node : new ObjectMapper().readTree(in).get("cases")) {
                    Golden c = new Golden();
                    c.id = node.get("id").asText();
                    c.dtype = node.get("dtype").asText();
                    c.options = node.get("options");
                    for (JsonNode input : node.get("inputs")) {
                        c.inputs.put(input.get("name").asText(), tensor(input));
                    }
                    c.error = node.has("error") ? node.get("error").asText() : null;
                    if (c.error == null) {
                        c.gradOutput = tensor(node.get("grad_output"));
                        c.output = tensor(node.get("output"));
                        for (JsonNode g : node.get("grads")) {
                            c.grads.add(g.isNull() ? null : tensor(g));
                        }
                    }
                    cases.add(c);
                }
                return cases;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + path, e);
            }
        }

        static INDArray tensor(JsonNode t) {
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            DataType type = switch (t.get("dtype").asText()) {
                case "float32" -> DataType.FLOAT;
                case "float64" -> DataType.DOUBLE;
                case "int64" -> DataType.LONG;
                default -> throw new IllegalArgumentException("dtype " + t.get("dtype"));
            };
            JsonNode data = t.get("data");
            if (data.size() == 0) {
                return Nd4j.create(type, shape);
            }
            if (type == DataType.LONG) {
                long[] values = new long[data.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = data.get(i).asLong();
                }
                return Nd4j.createFromArray(values).reshape('c', shape);
            }
            double[] values = new double[data.size()];
            for (int i = 0; i < values.length; i++) {
                JsonNode v = data.get(i);
                values[i] = v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
            }
            return Nd4j.createFromArray(values).reshape('c', shape).castTo(type);
        }
    }
}
