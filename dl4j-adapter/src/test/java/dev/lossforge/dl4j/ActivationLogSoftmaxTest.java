package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ActivationLogSoftmaxTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void forwardIsStableForLargeLogits() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1000, 1001, 1002}, {-5, 0, 5}});
        INDArray y = new ActivationLogSoftmax().getActivation(x.dup(), true);
        // row 0 is row [-2, -1, 0] shifted: log_softmax is shift-invariant; exp(1002) would overflow unshifted
        double lse0 = Math.log(Math.exp(-2) + Math.exp(-1) + 1);
        double lse1 = 5 + Math.log(Math.exp(-10) + Math.exp(-5) + 1);
        assertArrayEquals(new double[] {-2 - lse0, -1 - lse0, -lse0}, y.getRow(0).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[] {-5 - lse1, -lse1, 5 - lse1}, y.getRow(1).toDoubleVector(), 1e-12);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0.3, -1.2, 0.8, 2.0}, {2.1, 0.4, -0.6, 0.0}});
        INDArray g = Nd4j.createFromArray(new double[][] {{1.0, -0.5, 0.25, 2.0}, {-1.0, 0.0, 3.0, 0.5}});
        Pair<INDArray, INDArray> back = new ActivationLogSoftmax().backprop(x.dup(), g.dup());
        assertNull(back.getSecond()); // no parameters
        double h = 1e-6;
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 4; c++) {
                INDArray plus = x.dup();
                plus.putScalar(r, c, x.getDouble(r, c) + h);
                INDArray minus = x.dup();
                minus.putScalar(r, c, x.getDouble(r, c) - h);
                double numeric = (objective(plus, g) - objective(minus, g)) / (2 * h);
                assertEquals(numeric, back.getFirst().getDouble(r, c), 1e-8, "d/dx[" + r + "," + c + "]");
            }
        }
        // the closed form: g - softmax(x) * sum(g) along the row
        double[] softmax0 = {Math.exp(0.3), Math.exp(-1.2), Math.exp(0.8), Math.exp(2.0)};
        double z0 = softmax0[0] + softmax0[1] + softmax0[2] + softmax0[3];
        assertEquals(1.0 - softmax0[0] / z0 * 2.75, back.getFirst().getDouble(0, 0), 1e-14);
    }

    private static double objective(INDArray x, INDArray g) {
        return new ActivationLogSoftmax().getActivation(x.dup(), true).mul(g).sumNumber().doubleValue();
    }

    @Test
    void worksOnTheChannelDimensionOfRank4() {
        INDArray x = Nd4j.createFromArray(new double[] {0.1, 0.2, 0.3, 0.4, -1, 2, 0.5, 0.25}).reshape(1, 2, 2, 2);
        INDArray y = new ActivationLogSoftmax().getActivation(x.dup(), true);
        // at each (h, w) the two channels' probabilities sum to 1
        INDArray probabilitySums = org.nd4j.linalg.ops.transforms.Transforms.exp(y, true).sum(1);
        assertArrayEquals(new double[] {1, 1, 1, 1}, probabilitySums.dup().data().asDouble(), 1e-12);
    }

    @Test
    void worksAlongTheClassDimensionOfRank3() {
        // [N, C, T] = [2, 3, 4]: each step's log-softmax over C is the rank-2 one of that step's [1, C] row (ND4J's own
        // LogSoftMax is not used: along dim 1 of rank 3 it is wrong); the CTC parity cases compare it with PyTorch
        INDArray x = Nd4j.linspace(-2.0, 3.5, 24, DataType.DOUBLE).reshape(2, 3, 4).muli(Nd4j.linspace(1, 24, 24, DataType.DOUBLE)
                .reshape(2, 3, 4).remainder(5.0).subi(2.0));
        INDArray y = new ActivationLogSoftmax().getActivation(x.dup(), true);
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < 4; t++) {
                INDArray step = x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(t)).reshape(1, 3);
                double max = step.maxNumber().doubleValue();
                double logSumExp = max + Math.log(org.nd4j.linalg.ops.transforms.Transforms.exp(step.sub(max), true).sumNumber().doubleValue());
                for (int c = 0; c < 3; c++) {
                    assertEquals(step.getDouble(0, c) - logSumExp, y.getDouble(n, c, t), 1e-12, "n=" + n + " c=" + c + " t=" + t);
                }
            }
        }
    }

    @Test
    void rejectsAVector() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ActivationLogSoftmax().getActivation(Nd4j.createFromArray(1.0, 2.0), true));
        assertEquals("ActivationLogSoftmax.getActivation: input must have rank >= 2 with classes on dimension 1, but has shape [2]",
                e.getMessage());
    }
}
