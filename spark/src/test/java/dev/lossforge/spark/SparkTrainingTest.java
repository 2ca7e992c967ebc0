package dev.lossforge.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.CrossEntropyLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Training on Spark local[2] with ParameterAveragingTrainingMaster and LossForge losses. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a DL4J or Spark hang fails the test instead of stalling CI
class SparkTrainingTest {
    private static final long SEED = 42;
    private static final Iris.Split DATA = Iris.load(0.2, SEED);
    private static final String EXECUTOR_THREAD = "Executor task launch worker";

    /**
     * The loss is evaluated by the executors' task threads, never by the driver, with the options it was built
     * with; in local mode the two worker tasks of a round share one loss instance.
     */
    @Test
    void lossRunsOnTheExecutorsWithItsOptions() {
        JavaSparkContext sc = SharedSpark.get();
        double[] weight = {1.0, 2.0, 3.0};
        RecordingLoss loss = (RecordingLoss) RecordingLoss.builder().set("weight", Nd4j.create(weight)).build();
        MultiLayerConfiguration conf = Networks.classifier(Iris.FEATURES, 16, Iris.CLASSES, Dl4jLosses.of(loss),
                new Adam(0.02), SEED);
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, SparkTrainingExample.trainingMaster(10, 3));
        List<DataSet> batches = DATA.train().minibatches(10, new Random(SEED));
        assertEquals(12, batches.size());
        JavaRDD<DataSet> rdd = sc.parallelize(batches, 2);

        RecordingLoss.reset();
        int epochs = 2;
        for (int epoch = 0; epoch < epochs; epoch++) {
            sparkNet.fit(rdd);
        }
        List<RecordingLoss.Call> calls = RecordingLoss.calls();

        // each minibatch fitted once per epoch (2 rounds x 2 workers x 3 minibatches), and DL4J's output layer
        // asks the loss twice per fit: computeGradient (forward+backward), then computeScore (forward)
        long gradients = calls.stream().filter(RecordingLoss.Call::gradient).count();
        assertEquals(epochs * batches.size(), gradients, "gradient evaluations");
        assertEquals(epochs * batches.size(), calls.size() - gradients, "score evaluations");
        Set<String> threads = calls.stream().map(RecordingLoss.Call::thread).collect(Collectors.toSet());
        for (String thread : threads) {
            assertTrue(thread.startsWith(EXECUTOR_THREAD), "the loss ran on a non-executor thread: " + thread);
        }
        // Spark names each task's thread after its task: 2 epochs x 2 rounds x 2 workers
        assertTrue(threads.size() >= 4, "expected the loss in at least 4 executor tasks, got " + threads);
        for (RecordingLoss.Call call : calls) {
            assertArrayEquals(weight, call.weight(), "class weights seen on " + call.thread());
        }
        // Local mode: the broadcast configuration is the driver's object, and DL4J's worker clones it shallowly
        // (Layer.clone copies the ILossFunction reference), so every task shares the driver's loss instance.
        // On a cluster each executor JVM deserializes its own (SparkSerializationTest).
        Set<Integer> instances = calls.stream().map(RecordingLoss.Call::instance).collect(Collectors.toSet());
        assertEquals(Set.of(loss.instance()), instances, "loss instances used by the executors");

        MultiLayerNetwork net = sparkNet.getNetwork();
        assertTrue(Networks.accuracy(net, DATA.train()) > 0.6, "2 epochs should already beat chance (1/3)");
    }

    /** Records, on the worker, each minibatch just before the worker fits it. */
    static final class OrderHook implements TrainingHook {
        static final List<DataSet> FITTED = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            FITTED.add(new DataSet(minibatch.getFeatures().dup(), minibatch.getLabels().dup()));
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        }

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
        }
    }

    /**
     * One worker, averaging after every minibatch: Spark training is single-machine training. Each round DL4J
     * broadcasts the parameters and Adam's state, the worker fits one minibatch from them and returns both, the
     * "average" of one result is that result, and the master advances the iteration count (Adam's bias
     * correction) by averagingFrequency = 1. DL4J picks the minibatch order at random (balancedRandomSplit),
     * so a training hook records it and the single-machine network replays it.
     */
    @Test
    void oneWorkerWithAveragingEveryMinibatchEqualsSingleMachineFit() {
        JavaSparkContext sc = SharedSpark.get();
        CrossEntropyLoss ce = CrossEntropyLoss.builder().weight(ExampleLosses.classWeight()).build();
        MultiLayerConfiguration conf = Networks.classifier(Iris.FEATURES, 16, Iris.CLASSES, Dl4jLosses.of(ce),
                new Adam(0.02), SEED);
        MultiLayerNetwork single = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(conf.toJson()));
        single.init();

        ParameterAveragingTrainingMaster master = oneWorkerEveryMinibatch(true);
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, master);
        single.setParams(sparkNet.getNetwork().params().dup());
        assertEquals(single.params(), sparkNet.getNetwork().params());

        List<DataSet> batches = DATA.train().minibatches(8, new Random(SEED));
        // one partition, so that each of DL4J's splits (one per minibatch) holds exactly one minibatch
        JavaRDD<DataSet> rdd = sc.parallelize(batches, 1);
        OrderHook.FITTED.clear();
        int epochs = 2;
        for (int epoch = 0; epoch < epochs; epoch++) {
            sparkNet.fit(rdd);
        }
        List<DataSet> order = new ArrayList<>(OrderHook.FITTED);
        assertEquals(epochs * batches.size(), order.size(), "minibatches fitted by the worker");
        for (DataSet minibatch : order) {
            single.fit(minibatch);
        }

        INDArray spark = sparkNet.getNetwork().params();
        INDArray local = single.params();
        double maxDiff = spark.sub(local).amaxNumber().doubleValue();
        assertTrue(maxDiff < 1e-5, "largest parameter difference after " + order.size() + " Adam steps: " + maxDiff);
        assertEquals(single.getLayerWiseConfigurations().getIterationCount(),
                sparkNet.getNetwork().getLayerWiseConfigurations().getIterationCount(), "iteration counts");
    }

    /** Parameter averaging with one worker that averages after every minibatch, recording the minibatch order. */
    private static ParameterAveragingTrainingMaster oneWorkerEveryMinibatch(Boolean saveUpdater) {
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(1, 8) // 1 worker
                .batchSizePerWorker(8)
                .averagingFrequency(1)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(SEED);
        if (saveUpdater != null) {
            b.saveUpdater(saveUpdater);
        }
        ParameterAveragingTrainingMaster master = b.build();
        master.addHook(new OrderHook());
        return master;
    }

    /**
     * With the Builder's default, saveUpdater is false (ParameterAveragingTrainingMaster.Builder's field is
     * never initialised, although its javadoc says "enabled by default"): workers return no updater state, so
     * the driver's stays at its initial zeros and every round starts Adam afresh from it, while the iteration
     * count (Adam's bias correction) still advances. That is what holds: single-machine fit with Adam's
     * moments zeroed before each minibatch gives Spark's parameters.
     */
    @Test
    void withTheDefaultSaveUpdaterEveryRoundRestartsAdam() {
        JavaSparkContext sc = SharedSpark.get();
        CrossEntropyLoss ce = CrossEntropyLoss.builder().weight(ExampleLosses.classWeight()).build();
        MultiLayerConfiguration conf = Networks.classifier(Iris.FEATURES, 16, Iris.CLASSES, Dl4jLosses.of(ce),
                new Adam(0.02), SEED);
        MultiLayerNetwork single = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(conf.toJson()));
        single.init();
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf, oneWorkerEveryMinibatch(null));
        single.setParams(sparkNet.getNetwork().params().dup());

        JavaRDD<DataSet> rdd = sc.parallelize(DATA.train().minibatches(8, new Random(SEED)), 1);
        OrderHook.FITTED.clear();
        sparkNet.fit(rdd);
        List<DataSet> order = new ArrayList<>(OrderHook.FITTED);
        assertEquals(15, order.size());
        MultiLayerNetwork continuous = single.clone();
        for (DataSet minibatch : order) {
            single.getUpdater().getStateViewArray().assign(0);
            single.fit(minibatch);
            continuous.fit(minibatch);
        }
        INDArray spark = sparkNet.getNetwork().params();
        assertTrue(spark.sub(single.params()).amaxNumber().doubleValue() < 1e-5, "Spark vs Adam restarted per minibatch");
        assertTrue(spark.sub(continuous.params()).amaxNumber().doubleValue() > 1e-3, "Spark vs continuous Adam");
    }

    /** Two workers: averaging is not sequential SGD, but training still converges with a LossForge loss. */
    @Test
    void twoWorkersTrainTheCustomFocalLoss() {
        JavaSparkContext sc = SharedSpark.get();
        ExampleLosses.Contender focal = ExampleLosses.all().get(1);
        SparkTrainingExample.Result r = SparkTrainingExample.train(sc, focal, DATA, 8, System.out);
        List<Double> losses = r.trainLoss();
        assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), "focal loss by epoch " + losses);
        assertTrue(r.testAccuracy() >= 0.8, "test accuracy " + r.testAccuracy());
    }
}
