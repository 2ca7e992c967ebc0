package dev.lossforge.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.Reduction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A weighted NLL written in the DSL ({@code weighted}, {@code take}, {@code gather}, a class-weight tensor
 * option and an ignore index) compiles, and the class it generates, loaded from the compilation, computes
 * PyTorch's numbers: MEAN divides by the sum of the weights of the targets that are not ignored.
 */
class WeightedLossExecutionTest {
    private static final String NLL = """
            /** -weight[target] * input[target], 0 where target is ignoreIndex. */
            @Loss(pred = "N,C", target = "N", result = "N")
            static Tensor nll(Tensor input, @Index("C") Tensor target,
                    @Option(defaultValue = "1") @Shape("C") Tensor weight,
                    @Option(defaultValue = "-100") long ignoreIndex) {
                Tensor w = take(weight, target, ignoreIndex);
                return weighted(gather(input, 1, target, ignoreIndex).neg().mul(w), w);
            }
            """;

    // log-probabilities of 3 classes for 3 samples; targets 0, 1, 2 pick -0.5, -0.2 and -1.1
    private static final double[][] INPUT = {{-0.5, -1.0, -2.0}, {-1.5, -0.2, -3.0}, {-0.7, -0.9, -1.1}};
    private static final long[] TARGET = {0, 1, 2};

    private static Compilation compilation;
    private static Class<?> nllLoss;

    @BeforeAll
    static void compileAndLoad() throws ClassNotFoundException {
        compilation = Compile.withLossForge(DslSource.of(NLL));
        assertThat(compilation).succeededWithoutWarnings();
        nllLoss = new GeneratedClassLoader(compilation).loadClass("demo.NllLoss");
    }

    @Test
    void withDefaultOptionsTheMeanIsTheMeanOfThePickedNegatedLogProbabilities() throws Exception {
        LossFunction loss = (LossFunction) nllLoss.getConstructor().newInstance();

        assertThat(forward(loss)).isWithin(1e-12).of((0.5 + 0.2 + 1.1) / 3);
    }

    @Test
    void withClassWeightsTheMeanDividesByTheSumOfTheTargetsWeights() throws Exception {
        LossFunction loss = builder().set("weight", Nd4j.createFromArray(1.0, 2.0, 3.0)).build();

        // (1*0.5 + 2*0.2 + 3*1.1) / (1 + 2 + 3)
        assertThat(forward(loss)).isWithin(1e-12).of(4.2 / 6);
        assertThat(forward(loss.withReduction(Reduction.SUM))).isWithin(1e-12).of(4.2);
    }

    @Test
    void anIgnoredTargetAddsNeitherLossNorWeight() throws Exception {
        LossFunction loss = builder().set("weight", Nd4j.createFromArray(1.0, 2.0, 3.0)).set("ignore_index", 1L).build();

        // the second sample's target is 1, ignored: (1*0.5 + 3*1.1) / (1 + 3)
        assertThat(forward(loss)).isWithin(1e-12).of(3.8 / 4);
        INDArray perSample = loss.withReduction(Reduction.NONE)
                .forward(Nd4j.createFromArray(INPUT), Nd4j.createFromArray(TARGET));
        assertThat(perSample.toDoubleVector()).usingTolerance(1e-12).containsExactly(0.5, 0.0, 3.3).inOrder();
    }

    private static LossBuilder builder() throws Exception {
        return (LossBuilder) nllLoss.getMethod("builder").invoke(null);
    }

    private static double forward(LossFunction loss) {
        INDArray value = loss.forward(Nd4j.createFromArray(INPUT), Nd4j.createFromArray(TARGET));
        assertThat(value.dataType()).isEqualTo(DataType.DOUBLE);
        return value.getDouble(0);
    }
}
