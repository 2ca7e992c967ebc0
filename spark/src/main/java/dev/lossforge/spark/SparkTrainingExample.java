package dev.lossforge.spark;

import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.spark.ExampleLosses.Contender;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains the Iris classifier on Spark with DL4J's {@link ParameterAveragingTrainingMaster}, once per loss:
 * LossForge's CrossEntropyLoss with a class {@code weight} tensor, and the {@code FocalLoss} declared in
 * {@link SparkLosses}. Local mode with 2 worker threads unless spark-submit gives a master.
 *
 * <pre>
 * mvn -f spark/pom.xml compile exec:exec [-Dexample.args="--epochs 30 --loss ce|focal|all"]
 * </pre>
 */
public final class SparkTrainingExample {
    public static final long SEED = 12345;
    public static final int WORKERS = 2;
    /**
     * 120 training flowers = 12 minibatches of 10 = 2 rounds of (2 workers x 3 minibatches). DL4J splits the data
     * into rounds of workers x averagingFrequency minibatches, rounding the number of rounds down, and each worker
     * fits at most averagingFrequency minibatches per round: a remainder would be left out of every epoch.
     */
    public static final int BATCH_SIZE_PER_WORKER = 10;
    /** Minibatches each worker fits between two parameter averagings. */
    public static final int AVERAGING_FREQUENCY = 3;
    public static final int HIDDEN = 16;
    public static final double LEARNING_RATE = 0.02;
    public static final int EPOCHS = 30;

    /** What one training run gave. */
    public record Result(Contender contender, List<Double> trainLoss, double trainAccuracy, double testAccuracy,
                         MultiLayerNetwork network, double seconds) {
    }

    private SparkTrainingExample() {
    }

    public static void main(String[] args) {
        int epochs = EPOCHS;
        String which = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--loss" -> which = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; expected --epochs N, --loss ce|focal|all");
            }
        }
        long start = System.nanoTime();
        try (JavaSparkContext sc = LocalSpark.start("LossForge on Spark", WORKERS)) {
            System.out.printf("Spark %s, master %s, %d workers (default parallelism), serializer %s%n", sc.version(),
                    sc.master(), sc.defaultParallelism(), sc.getConf().get("spark.serializer"));
            Iris.Split data = Iris.load(0.2, SEED);
            System.out.printf("Iris: %d training and %d test flowers; ParameterAveragingTrainingMaster, %d examples per"
                            + " worker minibatch, averaging every %d minibatches, Adam(%s)%n", data.train().size(),
                    data.test().size(), BATCH_SIZE_PER_WORKER, AVERAGING_FREQUENCY, LEARNING_RATE);
            List<Result> results = new ArrayList<>();
            for (Contender c : ExampleLosses.select(which)) {
                results.add(train(sc, c, data, epochs, System.out));
            }
            System.out.println();
            System.out.printf("%-10s  %10s  %14s  %13s  %8s%n", "loss", "train loss", "train accuracy", "test accuracy", "time");
            for (Result r : results) {
                System.out.printf("%-10s  %10.4f  %14.3f  %13.3f  %7.1fs%n", r.contender().label(),
                        r.trainLoss().get(r.trainLoss().size() - 1), r.trainAccuracy(), r.testAccuracy(), r.seconds());
            }
        }
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /** The training master: Spark's data is split so each worker fits AVERAGING_FREQUENCY minibatches per round. */
    public static ParameterAveragingTrainingMaster trainingMaster(int batchSizePerWorker, int averagingFrequency) {
        return new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker) // examples in each RDD element
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                // also average Adam's moments; the Builder's default is false (its javadoc says true), which
                // restarts every worker's Adam from the initial (zero) state in every round
                .saveUpdater(true)
                .rngSeed(SEED)
                .build();
    }

    /** Trains a fresh network with {@code contender}'s loss on Spark, printing the loss and accuracy as it goes. */
    public static Result train(JavaSparkContext sc, Contender contender, Iris.Split data, int epochs, PrintStream out) {
        long start = System.nanoTime();
        out.println();
        out.println("== " + contender.description());
        MultiLayerConfiguration conf = Networks.classifier(Iris.FEATURES, HIDDEN, Iris.CLASSES,
                Dl4jLosses.of(contender.loss()), new Adam(LEARNING_RATE), SEED);
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, conf,
                trainingMaster(BATCH_SIZE_PER_WORKER, AVERAGING_FREQUENCY));
        // one RDD element per minibatch, in WORKERS partitions; DL4J re-splits it at random every epoch
        List<DataSet> batches = data.train().minibatches(BATCH_SIZE_PER_WORKER, new Random(SEED));
        JavaRDD<DataSet> trainRdd = sc.parallelize(batches, WORKERS);
        DataSet trainSet = data.train().dataSet();
        List<Double> losses = new ArrayList<>();
        out.printf("%5s  %12s  %10s  %13s  %7s%n", "epoch", "worker score", "train loss", "test accuracy", "elapsed");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            MultiLayerNetwork net = sparkNet.fit(trainRdd);
            double trainLoss = net.score(trainSet); // PyTorch's loss on the whole training set, computed on the driver
            losses.add(trainLoss);
            if (epoch == 1 || epoch % 5 == 0 || epoch == epochs) {
                out.printf("%5d  %12.4f  %10.4f  %13.3f  %6.1fs%n", epoch, sparkNet.getScore(), trainLoss,
                        Networks.accuracy(net, data.test()), (System.nanoTime() - start) / 1e9);
            }
        }
        MultiLayerNetwork net = sparkNet.getNetwork();
        Result r = new Result(contender, losses, Networks.accuracy(net, data.train()), Networks.accuracy(net, data.test()),
                net, (System.nanoTime() - start) / 1e9);
        out.printf("final: train accuracy %.3f, test accuracy %.3f (%d/%d test flowers)%n", r.trainAccuracy(),
                r.testAccuracy(), Math.round(r.testAccuracy() * data.test().size()), data.test().size());
        return r;
    }
}
