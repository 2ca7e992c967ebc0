package dev.lossforge.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import dev.lossforge.dsl.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every derived gradient against float64 central finite differences, for every loss, reduction and
 * layout; and the generated forward against the eager DSL (the {@code @Loss} method run on ND4J).
 */
class GradientCheckTest {
    private static final double STEP = 1e-6;

    /** A loss with inputs drawn from its domain. */
    record Setup(String loss, Map<String, Object> options, INDArray[] inputs) {
        @Override
        public String toString() {
            return loss + options + shapes();
        }

        String shapes() {
            StringBuilder sb = new StringBuilder();
            for (INDArray in : inputs) {
                sb.append(java.util.Arrays.toString(in.shape()));
            }
            return sb.toString();
        }
    }

    static List<Setup> setups() {
        Random random = new Random(7);
        List<Setup> setups = new ArrayList<>();
        INDArray classWeights = uniform(random, 0.5, 2.0, 4);
        for (long[] shape : new long[][] {{3, 4}, {2, 4, 3}, {2, 4, 2, 2}}) {
            long[] targetShape = new long[shape.length - 1];
            targetShape[0] = shape[0];
            System.arraycopy(shape, 2, targetShape, 1, shape.length - 2);
            INDArray logits = normal(random, shape);
            INDArray target = classes(random, 4, targetShape);
            target.putScalar(0, 1); // the ignored class below appears at least once
            for (String loss : List.of("CrossEntropyLoss", "NLLLoss")) {
                setups.add(new Setup(loss, Map.of(), new INDArray[] {logits, target}));
                setups.add(new Setup(loss, Map.of("weight", classWeights, "ignore_index", 1L), new INDArray[] {logits, target}));
            }
        }
        for (long[] shape : new long[][] {{5}, {3, 4}, {2, 3, 2}}) {
            setups.add(new Setup("MSELoss", Map.of(), new INDArray[] {normal(random, shape), normal(random, shape)}));
            INDArray probs = uniform(random, 0.05, 0.95, shape);
            setups.add(new Setup("BCELoss", Map.of(), new INDArray[] {probs, uniform(random, 0.0, 1.0, shape)}));
            setups.add(new Setup("BCELoss", Map.of("weight", uniform(random, 0.5, 2.0, shape[shape.length - 1])),
                    new INDArray[] {probs, uniform(random, 0.0, 1.0, shape)}));
        }
        return setups;
    }

    @TestFactory
    Stream<DynamicTest> everyGradientMatchesFiniteDifferences() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Setup s : setups()) {
            for (Reduction r : List.of(Reduction.NONE, Reduction.MEAN, Reduction.SUM)) {
                tests.add(DynamicTest.dynamicTest(s + " " + r, () -> checkGradients(s, r)));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> generatedForwardEqualsTheEagerDsl() {
        return setups().stream().map(s -> DynamicTest.dynamicTest(s.toString(), () -> {
            LossFunction loss = TorchLosses.create(s.loss(), s.options()).withReduction(Reduction.NONE);
            INDArray generated = loss.forward(s.inputs());
            INDArray eager = eager(s);
            GoldenTest.assertClose(s + " eager vs generated", eager, generated, 1e-12);
        }));
    }

    /** The {@code @Loss} method itself, run eagerly: an independent evaluation of the same expression. */
    private static INDArray eager(Setup s) {
        Tensor a = Tensor.of(s.inputs()[0]);
        Tensor b = Tensor.of(s.inputs()[1]);
        INDArray weight = (INDArray) s.options().get("weight");
        Tensor w = Tensor.of(weight == null ? Nd4j.scalar(1.0) : weight);
        long ignore = ((Number) s.options().getOrDefault("ignore_index", -100L)).longValue();
        return switch (s.loss()) {
            case "MSELoss" -> TorchLossDefinitions.mse(a, b).value();
            case "BCELoss" -> TorchLossDefinitions.bce(a, b, w).value();
            case "NLLLoss" -> TorchLossDefinitions.nll(a, b, w, ignore).value();
            default -> TorchLossDefinitions.crossEntropy(a, b, w, ignore, 0.0).value();
        };
    }

    private static void checkGradients(Setup s, Reduction reduction) {
        LossFunction loss = TorchLosses.create(s.loss(), s.options()).withReduction(reduction);
        INDArray[] inputs = s.inputs();
        INDArray out = loss.forward(inputs);
        INDArray gradOutput = reduction == Reduction.NONE ? normal(new Random(3), out.shape()) : Nd4j.scalar(0.7);
        INDArray[] grads = loss.backward(gradOutput, inputs);
        assertEquals(inputs.length, grads.length);
        for (int i = 0; i < inputs.length; i++) {
            boolean index = loss.signature().inputs().get(i).index();
            if (index) {
                assertNull(grads[i], "class indices get no gradient");
                continue;
            }
            INDArray numeric = Nd4j.zeros(DataType.DOUBLE, inputs[i].shape());
            for (long k = 0; k < inputs[i].length(); k++) {
                INDArray[] plus = perturbed(inputs, i, k, STEP);
                INDArray[] minus = perturbed(inputs, i, k, -STEP);
                double fPlus = loss.forward(plus).mul(gradOutput).sumNumber().doubleValue();
                double fMinus = loss.forward(minus).mul(gradOutput).sumNumber().doubleValue();
                numeric.putScalar(k, (fPlus - fMinus) / (2 * STEP));
            }
            GoldenTest.assertClose(s + " " + reduction + " d/d" + loss.signature().inputs().get(i).name(), numeric, grads[i], 1e-6);
        }
    }

    private static INDArray[] perturbed(INDArray[] inputs, int which, long element, double delta) {
        INDArray[] copy = inputs.clone();
        copy[which] = inputs[which].dup('c');
        copy[which].putScalar(element, copy[which].getDouble(element) + delta);
        return copy;
    }

    static INDArray normal(Random random, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextGaussian());
        }
        return a;
    }

    static INDArray uniform(Random random, double lo, double hi, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, lo + (hi - lo) * random.nextDouble());
        }
        return a;
    }

    static INDArray classes(Random random, int count, long... shape) {
        INDArray a = Nd4j.create(DataType.LONG, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextInt(count));
        }
        return a;
    }
}
