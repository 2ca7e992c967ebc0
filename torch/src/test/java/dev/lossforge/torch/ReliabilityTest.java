package dev.lossforge.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.LossAndGradients;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What every catalog loss guarantees beyond the numbers: any memory layout gives the same result, empty
 * batches give PyTorch's result, dtypes are kept, every bad input is a clear error, and one instance is safe
 * to share between threads.
 */
class ReliabilityTest {

    /** The first float64 golden case of every catalog loss that PyTorch computed. */
    static List<GoldenCase> onePerLoss() {
        List<GoldenCase> cases = new ArrayList<>();
        for (String loss : TorchLosses.names()) {
            GoldenCase.load(loss).stream()
                    .filter(c -> !c.rejects() && c.dtype().equals("float64") && GoldenTest.Scope.unsupported(c) == null
                            && c.inputs().get(0).rank() >= 2)
                    .findFirst().ifPresent(cases::add);
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyLayoutGivesTheSameResult() {
        Map<String, UnaryOperator<INDArray>> layouts = Map.of(
                "fortran order", a -> a.dup('f'),
                "a view with an offset", ReliabilityTest::viewInsideLargerArray,
                "a transposed view", a -> a.rank() == 2 ? a.transpose().dup('c').transpose() : a.permute(reversed(a.rank())).dup('c').permute(reversed(a.rank())));
        List<DynamicTest> tests = new ArrayList<>();
        for (GoldenCase c : onePerLoss()) {
            layouts.forEach((name, layout) -> tests.add(DynamicTest.dynamicTest(c.loss() + " with " + name, () -> {
                LossFunction loss = TorchLosses.create(c.loss(), c.options());
                INDArray[] plain = c.inputs().toArray(new INDArray[0]);
                INDArray[] other = new INDArray[plain.length];
                for (int i = 0; i < plain.length; i++) {
                    other[i] = plain[i].rank() >= 2 ? layout.apply(plain[i]) : plain[i];
                }
                LossAndGradients expected = loss.forwardBackward(c.gradOutput(), plain);
                LossAndGradients actual = loss.forwardBackward(c.gradOutput(), other);
                assertEquals(expected.loss(), actual.loss(), name + ": loss");
                for (int i = 0; i < plain.length; i++) {
                    assertEquals(expected.gradients()[i], actual.gradients()[i], name + ": gradient " + i);
                }
            })));
        }
        return tests.stream();
    }

    private static INDArray viewInsideLargerArray(INDArray a) {
        long[] bigger = a.shape().clone();
        for (int i = 0; i < bigger.length; i++) {
            bigger[i] += 2;
        }
        INDArray big = Nd4j.create(a.dataType(), bigger);
        org.nd4j.linalg.indexing.INDArrayIndex[] window = new org.nd4j.linalg.indexing.INDArrayIndex[a.rank()];
        for (int i = 0; i < a.rank(); i++) {
            window[i] = NDArrayIndex.interval(1, 1 + a.size(i));
        }
        INDArray view = big.get(window);
        view.assign(a);
        assertTrue(view.isView());
        return view;
    }

    private static int[] reversed(int rank) {
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = rank - 1 - i;
        }
        return order;
    }

    @TestFactory
    Stream<DynamicTest> anEmptyBatchGivesPyTorchsResult() {
        List<String> valueLosses = List.of("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
                "KLDivLoss", "PoissonNLLLoss", "SoftMarginLoss", "HingeEmbeddingLoss", "MultiLabelSoftMarginLoss");
        List<String> classLosses = List.of("CrossEntropyLoss", "NLLLoss", "MultiMarginLoss");
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : concat(valueLosses, classLosses)) {
            tests.add(DynamicTest.dynamicTest(name, () -> {
                INDArray input = Nd4j.create(DataType.DOUBLE, 0, 3);
                INDArray target = classLosses.contains(name) ? Nd4j.create(DataType.LONG, 0) : Nd4j.create(DataType.DOUBLE, 0, 3);
                LossFunction mean = TorchLosses.create(name);
                assertTrue(Double.isNaN(mean.forward(input, target).getDouble()), "MEAN over nothing is NaN");
                assertEquals(0.0, mean.withReduction(Reduction.SUM).forward(input, target).getDouble(), "SUM over nothing is 0");
                INDArray none = mean.withReduction(Reduction.NONE).forward(input, target);
                assertTrue(none.isEmpty(), "NONE is empty");
                assertArrayEquals(input.shape(), mean.backward(Nd4j.scalar(1.0), input, target)[0].shape(), "the gradient has the input's shape");
            }));
        }
        return tests.stream();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void floatAndDoubleAreComputedInTheirOwnPrecision() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.1, 0.2, 0.7}, {0.3, 0.3, 0.4}});
        INDArray t = Nd4j.createFromArray(2L, 0L);
        CrossEntropyLoss ce = new CrossEntropyLoss();
        assertEquals(DataType.DOUBLE, ce.forward(x, t).dataType());
        assertEquals(DataType.FLOAT, ce.forward(x.castTo(DataType.FLOAT), t).dataType());
        assertEquals(DataType.FLOAT, ce.backward(Nd4j.scalar(1.0), x.castTo(DataType.FLOAT), t)[0].dataType());
        assertEquals(ce.forward(x, t).getDouble(), ce.forward(x.castTo(DataType.FLOAT), t).getDouble(), 1e-6);
    }

    @Test
    void halfAndBfloat16AreComputedInFloatAndReturnedInTheirOwnDtype() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.5, -1.0, 2.0}, {0.25, 0.75, -0.5}});
        INDArray y = Nd4j.createFromArray(new double[][] {{1.0, 0.0, 1.5}, {0.0, 1.0, -0.5}});
        MSELoss mse = new MSELoss();
        for (DataType low : new DataType[] {DataType.HALF, DataType.BFLOAT16}) {
            INDArray value = mse.forward(x.castTo(low), y.castTo(low));
            INDArray[] grads = mse.backward(Nd4j.scalar(1.0), x.castTo(low), y.castTo(low));
            assertEquals(low, value.dataType());
            assertEquals(low, grads[0].dataType());
            assertEquals(low, grads[1].dataType());
            assertEquals(mse.forward(x, y).getDouble(), value.getDouble(), 1e-2);
        }
    }

    @Test
    void mixedFloatDtypesArePromotedToDoubleAsDocumented() {
        INDArray x = Nd4j.createFromArray(1.0f, 2.0f);
        INDArray y = Nd4j.createFromArray(0.0, 0.0);
        assertEquals(DataType.DOUBLE, new MSELoss().forward(x, y).dataType());
        assertEquals(2.5, new MSELoss().forward(x, y).getDouble(), 0.0);
    }

    @Test
    void classIndicesMayBeLongIntOrIntegerValuedFloats() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.1, 0.2, 0.7}, {0.3, 0.3, 0.4}});
        double expected = new NLLLoss().forward(x, Nd4j.createFromArray(2L, 0L)).getDouble();
        assertEquals(expected, new NLLLoss().forward(x, Nd4j.createFromArray(2, 0)).getDouble(), 0.0);
        assertEquals(expected, new NLLLoss().forward(x, Nd4j.createFromArray(2.0f, 0.0f)).getDouble(), 0.0);
    }

    @Test
    void aNanClassIndexIsRejected() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.1, 0.2, 0.7}, {0.3, 0.3, 0.4}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NLLLoss().forward(x, Nd4j.createFromArray(Double.NaN, 0.0)));
        assertEquals("NLLLoss: target holds NaN, which is not a class index; class indices are integers in [0, C) with C=3", e.getMessage());
    }

    @Test
    void aWrongRankIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NLLLoss().forward(Nd4j.create(DataType.DOUBLE, 2, 3), Nd4j.create(DataType.LONG, 2, 3, 4)));
        assertEquals("NLLLoss: target has shape [2,3,4] but is declared (N,*d) with N=2, C=3, d=() bound from input [2,3]", e.getMessage());
    }

    @Test
    void optionsOutOfRangeAreRejectedWhenTheLossIsBuilt() {
        assertEquals("PoissonNLLLoss: option eps must satisfy eps >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("PoissonNLLLoss", Map.of("eps", -1.0))).getMessage());
        assertEquals("MultiMarginLoss: option p must satisfy p == 1 || p == 2, got 3",
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("MultiMarginLoss", Map.of("p", 3))).getMessage());
        assertEquals("CrossEntropyLoss: option label_smoothing must satisfy labelSmoothing >= 0 && labelSmoothing <= 1, got 1.5",
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("CrossEntropyLoss", Map.of("label_smoothing", 1.5))).getMessage());
        assertEquals("CrossEntropyLoss: option ignore_index must be an integer, got '1.5' (Double)",
                assertThrows(IllegalArgumentException.class, () -> TorchLosses.create("CrossEntropyLoss", Map.of("ignore_index", 1.5))).getMessage());
    }

    @Test
    void classIndicesGetNoGradient() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.1, 0.2, 0.7}});
        assertNull(new CrossEntropyLoss().backward(Nd4j.scalar(1.0), x, Nd4j.createFromArray(1L))[1]);
    }

    @Test
    void oneInstanceSharedByEightThreadsGivesBitIdenticalResults() throws Exception {
        CrossEntropyLoss loss = CrossEntropyLoss.builder().weight(Nd4j.createFromArray(1.0, 2.0, 0.5, 1.5)).labelSmoothing(0.1).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 4);
        INDArray t = Nd4j.createFromArray(new long[] {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3});
        LossAndGradients reference = loss.forwardBackward(Nd4j.scalar(1.0f), x, t);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                results.add(pool.submit(() -> {
                    for (int call = 0; call < 10_000 / 8; call++) {
                        LossAndGradients r = loss.forwardBackward(Nd4j.scalar(1.0f), x, t);
                        if (!r.loss().equals(reference.loss()) || !r.gradients()[0].equals(reference.gradients()[0])) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get(), "a concurrent call differed from the single-threaded result");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
