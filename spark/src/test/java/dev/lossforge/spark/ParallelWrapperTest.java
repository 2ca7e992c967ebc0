package dev.lossforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.Dl4jLoss;
import dev.lossforge.dl4j.Dl4jLosses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** DL4J's ParallelWrapper (AVERAGING, 2 workers) with LossForge losses. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a DL4J or Spark hang fails the test instead of stalling CI
class ParallelWrapperTest {
    private static final long SEED = 42;
    private static final Iris.Split DATA = Iris.load(0.2, SEED);

    @Test
    void averagingWithTwoWorkersConverges() throws Exception {
        for (ExampleLosses.Contender c : ExampleLosses.all()) {
            ParallelWrapperExample.Result r = ParallelWrapperExample.train(c, DATA, 10, 2, System.out);
            List<Double> losses = r.trainLoss();
            assertTrue(losses.get(losses.size() - 1) < 0.6 * losses.get(0), c.label() + " loss by epoch " + losses);
            assertTrue(r.testAccuracy() >= 0.8, c.label() + " test accuracy " + r.testAccuracy());
        }
    }

    /**
     * Which loss instance each trainer thread uses. ParallelWrapper's DefaultTrainer 0 trains the original model;
     * trainers 1.. build theirs from {@code MultiLayerConfiguration.fromJson(original.toJson())} (DefaultTrainer.run
     * in deeplearning4j-parallel-wrapper 1.0.0-M2.1), so they run a loss rebuilt from its JSON, options included
     * (the class weights each call saw are checked), not the shared instance. Each fit() makes new copies.
     */
    @Test
    void trainerThreadsRunTheLossAndItsJsonCopies() throws Exception {
        double[] weight = {1.0, 2.0, 3.0};
        RecordingLoss loss = (RecordingLoss) RecordingLoss.builder().set("weight", Nd4j.create(weight)).build();
        MultiLayerNetwork net = Networks.init(Networks.classifier(Iris.FEATURES, 16, Iris.CLASSES, Dl4jLosses.of(loss),
                new Adam(0.02), SEED));
        RecordingLoss.reset();
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2).prefetchBuffer(4)
                .averagingFrequency(3).trainingMode(ParallelWrapper.TrainingMode.AVERAGING).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                wrapper.fit(new ExistingDataSetIterator(DATA.train().minibatches(10, new Random(epoch))));
            }
        }
        List<RecordingLoss.Call> calls = RecordingLoss.calls();
        // per minibatch, DL4J's output layer calls computeGradient (forward+backward) then computeScore (forward)
        long gradients = calls.stream().filter(RecordingLoss.Call::gradient).count();
        assertEquals(2 * 12, gradients, "gradient evaluations: one per minibatch");
        assertEquals(2 * 12, calls.size() - gradients, "score evaluations: one per minibatch");
        Map<String, Set<Integer>> instancesByThread = calls.stream().collect(Collectors.groupingBy(RecordingLoss.Call::thread,
                Collectors.mapping(RecordingLoss.Call::instance, Collectors.toSet())));
        // ParallelWrapper runs its trainers on pool threads named "ParallelWrapper training thread N"; each fit()
        // starts new trainers, so trainer 1 gets a fresh JSON copy per fit, and trainer 0 always the original
        String seen = instancesByThread.toString() + " (original: " + loss.instance() + ")";
        assertEquals(2, instancesByThread.size(), "trainer threads " + seen);
        instancesByThread.keySet().forEach(thread -> assertTrue(thread.startsWith("ParallelWrapper training thread"), thread));
        assertTrue(instancesByThread.containsValue(Set.of(loss.instance())), "one trainer used the original only: " + seen);
        Set<Integer> copies = instancesByThread.values().stream().filter(v -> !v.contains(loss.instance())).findFirst()
                .orElseThrow(() -> new AssertionError("no trainer used a copy: " + seen));
        assertEquals(2, copies.size(), "the other trainer used one new JSON copy per fit(): " + seen);
        for (RecordingLoss.Call call : calls) {
            assertArrayEquals(weight, call.weight(), "class weights on " + call.thread());
        }
    }

    /**
     * One adapter instance shared by 4 threads that all call computeGradientAndScore at once (as trainers would if
     * DL4J shared configurations, and as Spark's local-mode tasks do): each result equals the single-threaded one.
     */
    @Test
    void oneSharedLossInstanceIsSafeFromSeveralThreads() throws Exception {
        MultiLayerNetwork net = Networks.init(Networks.classifier(Iris.FEATURES, 16, Iris.CLASSES,
                Dl4jLosses.of(ExampleLosses.all().get(0).loss()), new Adam(0.02), SEED));
        Dl4jLoss shared = (Dl4jLoss) ((BaseOutputLayer) net.getLayerWiseConfigurations().getConf(1).getLayer()).getLossFn();
        int threads = 4;
        int rounds = 50;
        List<INDArray[]> inputs = new ArrayList<>(); // per thread: its own labels and pre-output
        List<Pair<Double, INDArray>> expected = new ArrayList<>();
        Random random = new Random(SEED);
        for (int t = 0; t < threads; t++) {
            INDArray labels = Nd4j.create(DataType.FLOAT, 16, 1);
            for (int i = 0; i < 16; i++) {
                labels.putScalar(i, 0, random.nextInt(3));
            }
            INDArray preOutput = Nd4j.rand(DataType.FLOAT, 16, 3).subi(0.5).muli(4);
            inputs.add(new INDArray[] {labels, preOutput});
            expected.add(shared.computeGradientAndScore(labels, preOutput, new ActivationIdentity(), null, false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                Callable<Integer> task = () -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        INDArray labels = inputs.get(me)[0];
                        INDArray preOutput = inputs.get(me)[1];
                        Pair<Double, INDArray> got = shared.computeGradientAndScore(labels, preOutput, new ActivationIdentity(),
                                null, false);
                        assertEquals(expected.get(me).getFirst(), got.getFirst(), 0.0, "thread " + me + " score, round " + round);
                        assertEquals(expected.get(me).getSecond(), got.getSecond(), "thread " + me + " gradient, round " + round);
                    }
                    return rounds;
                };
                done.add(pool.submit(task));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(threads * rounds, total);
        } finally {
            pool.shutdownNow();
        }
    }
}
