package dev.lossforge.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lossforge.torch.TorchLosses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One adapter shared by many threads (as ParallelWrapper's trainers share the configuration) gives each thread
 * exactly the result it gets alone; a minibatch size published on one thread does not leak into another.
 */
class ThreadSafetyTest {
    private static final IActivation IDENTITY = new ActivationIdentity();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** Thread t's problem: 2t+2 rows (even t) or 6 rows flattened from N = 2 sequences of T = 3 (odd t). */
    private record Problem(INDArray labels, INDArray logits, INDArray mask, Long minibatch) {
        static Problem of(int t) {
            Random r = new Random(1000 + t);
            int rows = t % 2 == 0 ? 2 * t + 2 : 6;
            double[][] logits = new double[rows][4];
            double[][] labels = new double[rows][1];
            double[][] mask = new double[rows][1];
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < 4; c++) {
                    logits[i][c] = r.nextGaussian();
                }
                labels[i][0] = r.nextInt(4);
                mask[i][0] = i == 1 ? 0 : 1;
            }
            return new Problem(Nd4j.createFromArray(labels), Nd4j.createFromArray(logits), Nd4j.createFromArray(mask),
                    t % 2 == 0 ? null : 2L);
        }

        Pair<Double, INDArray> run(Dl4jLoss loss) {
            if (minibatch == null) {
                return loss.computeGradientAndScore(labels, logits, IDENTITY, mask, false);
            }
            try (MinibatchContext.Scope scope = Dl4jLosses.withMinibatchSize(minibatch)) {
                return loss.computeGradientAndScore(labels, logits, IDENTITY, mask, false);
            }
        }
    }

    @Test
    void sharedAdapterGivesEachThreadItsOwnResult() throws Exception {
        Dl4jLoss loss = Dl4jLosses.of(TorchLosses.create("CrossEntropyLoss",
                Map.of("weight", Nd4j.createFromArray(0.5, 1.0, 2.0, 1.5))));
        int threads = 8;
        List<Problem> problems = new ArrayList<>();
        List<Pair<Double, INDArray>> alone = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            problems.add(Problem.of(t));
            alone.add(problems.get(t).run(loss));
        }
        // the factor N: 6 rows from 2 sequences score 2 * L, not 6 * L
        Problem seq = problems.get(1);
        double pytorchLoss = loss.computeScore(seq.labels, seq.logits, IDENTITY, seq.mask, true); // average: L itself
        assertEquals(2 * pytorchLoss, alone.get(1).getFirst(), 1e-12);

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        Pair<Double, INDArray> got = problems.get(id).run(loss);
                        assertEquals(alone.get(id).getFirst(), got.getFirst(), 0.0, "thread " + id + " score");
                        assertArrayEquals(alone.get(id).getSecond().dup().data().asDouble(), got.getSecond().dup().data().asDouble(), 0.0,
                                "thread " + id + " gradient");
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
