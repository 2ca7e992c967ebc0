package dev.lossforge.samples;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.samples.Classification.Examples;
import dev.lossforge.torch.CrossEntropyLoss;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;

/**
 * A custom loss end to end: {@link FocalLoss} is generated at compile time from the {@code @Loss} method in
 * {@link SampleLosses}, then used in DL4J like any built-in loss. Trains the same network twice on an
 * imbalanced 3-class problem, once with CrossEntropyLoss and once with FocalLoss, and compares the recall of
 * each class on a held-out test set.
 */
public final class FocalLossSample {
    static final long SEED = 7;
    static final int EPOCHS = 30;
    static final int BATCH_SIZE = 64;
    static final int HIDDEN = 16;
    static final double LEARNING_RATE = 0.01;
    static final double GAMMA = 2.0;
    static final int TRAIN_SIZE = 2000;
    static final int TEST_SIZE = 2000;

    /** How the synthetic points are drawn: a share of the data per class, each a round 2-D Gaussian blob. */
    static final double[] CLASS_SHARE = {0.90, 0.08, 0.02};
    static final double[][] CLASS_CENTER = {{0.0, 0.0}, {1.8, 0.6}, {0.4, 1.8}};
    static final double[] CLASS_SPREAD = {1.0, 0.7, 0.7};

    /** The per-epoch training losses and the test-set results of both runs. */
    public record Result(List<Double> crossEntropyLoss, List<Double> focalLoss,
            double[] crossEntropyRecall, double[] focalRecall,
            double crossEntropyAccuracy, double focalAccuracy, int[] testCounts) {
    }

    private FocalLossSample() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        Result r = run(EPOCHS, System.out);

        System.out.println();
        System.out.println("Test set, recall per class (the fraction of each class's points classified correctly):");
        System.out.println("class   share   points   CrossEntropyLoss   FocalLoss(gamma=" + GAMMA + ")");
        for (int c = 0; c < CLASS_SHARE.length; c++) {
            System.out.printf("%5d   %4.0f%%   %6d   %16.3f   %19.3f%n", c, CLASS_SHARE[c] * 100, r.testCounts()[c],
                    r.crossEntropyRecall()[c], r.focalRecall()[c]);
        }
        System.out.printf("macro-average recall     %16.3f   %19.3f%n", mean(r.crossEntropyRecall()), mean(r.focalRecall()));
        System.out.printf("accuracy                 %16.3f   %19.3f%n", r.crossEntropyAccuracy(), r.focalAccuracy());
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    public static Result run(int epochs, PrintStream out) {
        Examples train = synthetic(TRAIN_SIZE, SEED);
        Examples test = synthetic(TEST_SIZE, SEED + 1);
        out.printf("Synthetic 2-D data, 3 classes in proportions %.0f%% / %.0f%% / %.0f%%: %d training and %d test points%n",
                CLASS_SHARE[0] * 100, CLASS_SHARE[1] * 100, CLASS_SHARE[2] * 100, train.size(), test.size());

        LossFunction crossEntropy = CrossEntropyLoss.builder().build();
        // FocalLoss is not written by hand anywhere: the annotation processor generated it from SampleLosses.focal.
        LossFunction focal = FocalLoss.builder().gamma(GAMMA).build();

        MultiLayerNetwork ceNet = Classification.network(2, HIDDEN, CLASS_SHARE.length,
                Dl4jLosses.of(crossEntropy), Activation.IDENTITY, LEARNING_RATE, SEED, null);
        MultiLayerNetwork focalNet = Classification.network(2, HIDDEN, CLASS_SHARE.length,
                Dl4jLosses.of(focal), Activation.IDENTITY, LEARNING_RATE, SEED, ceNet.params());

        List<Double> ceHistory = new ArrayList<>();
        List<Double> focalHistory = new ArrayList<>();
        Random shuffle = new Random(SEED);
        out.println();
        out.println("Mean training loss per epoch (each network with its own loss, so the columns have different scales):");
        out.println("epoch   CrossEntropyLoss   FocalLoss(gamma=" + GAMMA + ")");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (int[] rows : Classification.shuffledBatches(train.size(), BATCH_SIZE, shuffle)) {
                Examples batch = train.rows(rows);
                ceNet.fit(batch.features(), batch.classColumn());
                focalNet.fit(batch.features(), batch.classColumn());
            }
            double ceLoss = ceNet.score(train.withClassColumn());
            double focalLoss = focalNet.score(train.withClassColumn());
            ceHistory.add(ceLoss);
            focalHistory.add(focalLoss);
            if (epoch == 1 || epoch % 5 == 0 || epoch == epochs) {
                out.printf("%5d   %16.4f   %19.4f%n", epoch, ceLoss, focalLoss);
            }
        }

        int[] cePredicted = Classification.predict(ceNet, test.features());
        int[] focalPredicted = Classification.predict(focalNet, test.features());
        int[] counts = new int[CLASS_SHARE.length];
        for (int c : test.classes()) {
            counts[c]++;
        }
        return new Result(ceHistory, focalHistory,
                Classification.recallPerClass(cePredicted, test.classes(), CLASS_SHARE.length),
                Classification.recallPerClass(focalPredicted, test.classes(), CLASS_SHARE.length),
                Classification.accuracy(cePredicted, test.classes()),
                Classification.accuracy(focalPredicted, test.classes()), counts);
    }

    /** {@code n} points, {@code CLASS_SHARE[c] * n} of class c, drawn from that class's Gaussian blob. */
    static Examples synthetic(int n, long seed) {
        Random random = new Random(seed);
        double[][] features = new double[n][];
        int[] classes = new int[n];
        int i = 0;
        for (int c = 0; c < CLASS_SHARE.length; c++) {
            int count = c == CLASS_SHARE.length - 1 ? n - i : (int) Math.round(CLASS_SHARE[c] * n);
            for (int k = 0; k < count; k++, i++) {
                features[i] = new double[] {
                    CLASS_CENTER[c][0] + CLASS_SPREAD[c] * random.nextGaussian(),
                    CLASS_CENTER[c][1] + CLASS_SPREAD[c] * random.nextGaussian()};
                classes[i] = c;
            }
        }
        return Examples.of(features, classes, CLASS_SHARE.length);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
