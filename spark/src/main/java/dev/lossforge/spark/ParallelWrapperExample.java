package dev.lossforge.spark;

import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.spark.ExampleLosses.Contender;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The same Iris classifier and losses as {@link SparkTrainingExample}, trained on one machine by DL4J's
 * {@link ParallelWrapper} with 2 worker threads in {@code AVERAGING} mode.
 *
 * <pre>
 * mvn -f spark/pom.xml compile exec:exec -Dexample=dev.lossforge.spark.ParallelWrapperExample
 * </pre>
 */
public final class ParallelWrapperExample {
    public static final long SEED = SparkTrainingExample.SEED;
    public static final int WORKERS = 2;
    public static final int BATCH_SIZE = 10; // 12 minibatches: 2 averagings of 2 workers x 3 minibatches
    public static final int AVERAGING_FREQUENCY = 3;
    public static final int EPOCHS = 30;

    /** What one training run gave. */
    public record Result(Contender contender, List<Double> trainLoss, double trainAccuracy, double testAccuracy,
                         MultiLayerNetwork network, double seconds) {
    }

    private ParallelWrapperExample() {
    }

    public static void main(String[] args) throws Exception {
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
        Iris.Split data = Iris.load(0.2, SEED);
        System.out.printf("Iris: %d training and %d test flowers; ParallelWrapper, AVERAGING, %d workers, minibatch %d,"
                        + " averaging every %d minibatches, Adam(%s)%n", data.train().size(), data.test().size(), WORKERS,
                BATCH_SIZE, AVERAGING_FREQUENCY, SparkTrainingExample.LEARNING_RATE);
        List<Result> results = new ArrayList<>();
        for (Contender c : ExampleLosses.select(which)) {
            results.add(train(c, data, epochs, WORKERS, System.out));
        }
        System.out.println();
        System.out.printf("%-10s  %10s  %14s  %13s  %8s%n", "loss", "train loss", "train accuracy", "test accuracy", "time");
        for (Result r : results) {
            System.out.printf("%-10s  %10.4f  %14.3f  %13.3f  %7.1fs%n", r.contender().label(),
                    r.trainLoss().get(r.trainLoss().size() - 1), r.trainAccuracy(), r.testAccuracy(), r.seconds());
        }
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /** Trains a fresh network with {@code contender}'s loss through ParallelWrapper, printing progress. */
    public static Result train(Contender contender, Iris.Split data, int epochs, int workers, PrintStream out)
            throws Exception {
        long start = System.nanoTime();
        out.println();
        out.println("== " + contender.description());
        MultiLayerNetwork net = Networks.init(Networks.classifier(Iris.FEATURES, SparkTrainingExample.HIDDEN, Iris.CLASSES,
                Dl4jLosses.of(contender.loss()), new Adam(SparkTrainingExample.LEARNING_RATE), SEED));
        List<Double> losses = new ArrayList<>();
        Random shuffle = new Random(SEED);
        DataSet trainSet = data.train().dataSet();
        out.printf("%5s  %10s  %13s  %7s%n", "epoch", "train loss", "test accuracy", "elapsed");
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net)
                .workers(workers)
                .prefetchBuffer(2 * workers)
                .averagingFrequency(AVERAGING_FREQUENCY)
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .reportScoreAfterAveraging(true)
                .build()) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                wrapper.fit(new ExistingDataSetIterator(data.train().minibatches(BATCH_SIZE, shuffle)));
                double trainLoss = net.score(trainSet);
                losses.add(trainLoss);
                if (epoch == 1 || epoch % 5 == 0 || epoch == epochs) {
                    out.printf("%5d  %10.4f  %13.3f  %6.1fs%n", epoch, trainLoss, Networks.accuracy(net, data.test()),
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
        Result r = new Result(contender, losses, Networks.accuracy(net, data.train()), Networks.accuracy(net, data.test()),
                net, (System.nanoTime() - start) / 1e9);
        out.printf("final: train accuracy %.3f, test accuracy %.3f (%d/%d test flowers)%n", r.trainAccuracy(),
                r.testAccuracy(), Math.round(r.testAccuracy() * data.test().size()), data.test().size());
        return r;
    }
}
