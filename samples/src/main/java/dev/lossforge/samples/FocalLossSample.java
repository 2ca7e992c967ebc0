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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A custom loss end to end: {@link FocalLoss} is generated at compile time from the {@code @Loss} method in
 * {@link SampleLosses}, then used in DL4J like any catalog loss. Trains the same network, from the same
 * starting weights on the same minibatches, on an imbalanced 3-class problem with four losses, and compares
 * the recall of each class on a held-out test set.
 */
public final class FocalLossSample {
    static final long SEED = 7;
    static final int EPOCHS = 20;
    static final int BATCH_SIZE = 64;
    static final int HIDDEN = 16;
    static final double LEARNING_RATE = 0.01;
    static final double GAMMA = 2.0;
    static final int TRAIN_SIZE = 1000;
    static final int TEST_SIZE = 2000;

    /** How the synthetic points are drawn: a share of the data per class, each a round 2-D Gaussian blob. */
    static final double[] CLASS_SHARE = {0.90, 0.08, 0.02};
    static final double[][] CLASS_CENTER = {{0.0, 0.0}, {2.0, 1.0}, {-1.0, 2.0}};
    static final double[] CLASS_SPREAD = {1.0, 0.5, 0.5};

    /** One loss to train with: a short label for the tables and what it is. */
    public record Contender(String label, String description, LossFunction loss) {
    }

    /** What training with one contender gave: the mean training loss after each epoch, and test-set results. */
    public record Outcome(Contender contender, List<Double> trainLoss, double[] recall, double accuracy) {
    }

    private FocalLossSample() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        run(EPOCHS, System.out);
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * The four losses compared. "Class-balanced" weights are {@code 1 / (C * share)}: each class then carries
     * the same total weight in the training set.
     */
    static List<Contender> contenders() {
        INDArray balanced = Nd4j.create(new double[] {
            1 / (3 * CLASS_SHARE[0]), 1 / (3 * CLASS_SHARE[1]), 1 / (3 * CLASS_SHARE[2])});
        return List.of(
                new Contender("CE", "CrossEntropyLoss()  (the torch catalog)",
                        CrossEntropyLoss.builder().build()),
                // FocalLoss is not written by hand anywhere: the annotation processor generated it from SampleLosses.focal.
                new Contender("Focal", "FocalLoss(gamma=" + GAMMA + ")  (declared in SampleLosses)",
                        FocalLoss.builder().gamma(GAMMA).build()),
                new Contender("Focal+alpha", "FocalLoss(gamma=" + GAMMA + ", alpha=class-balanced weights)",
                        FocalLoss.builder().gamma(GAMMA).alpha(balanced).build()),
                new Contender("CE+weight", "CrossEntropyLoss(weight=the same class-balanced weights)",
                        CrossEntropyLoss.builder().weight(balanced).build()));
    }

    /** Trains one network per contender for {@code epochs} epochs, printing the loss table and the recall table. */
    public static List<Outcome> run(int epochs, PrintStream out) {
        Examples train = synthetic(TRAIN_SIZE, SEED);
        Examples test = synthetic(TEST_SIZE, SEED + 1);
        out.printf("Synthetic 2-D data, 3 classes in proportions %.0f%% / %.0f%% / %.0f%%: %d training and %d test points%n",
                CLASS_SHARE[0] * 100, CLASS_SHARE[1] * 100, CLASS_SHARE[2] * 100, train.size(), test.size());
        List<Contender> contenders = contenders();
        out.println("Losses compared (same network, same starting weights, same minibatches):");
        for (Contender c : contenders) {
            out.printf("  %-12s %s%n", c.label(), c.description());
        }

        List<Outcome> outcomes = new ArrayList<>();
        INDArray startingWeights = null;
        for (Contender c : contenders) {
            MultiLayerNetwork net = Classification.network(2, HIDDEN, CLASS_SHARE.length,
                    Dl4jLosses.of(c.loss()), Activation.IDENTITY, LEARNING_RATE, SEED, startingWeights);
            if (startingWeights == null) {
                startingWeights = net.params().dup();
            }
            Random shuffle = new Random(SEED); // a fresh generator per contender: the same batch order for each
            List<Double> losses = new ArrayList<>();
            for (int epoch = 1; epoch <= epochs; epoch++) {
                for (int[] rows : Classification.shuffledBatches(train.size(), BATCH_SIZE, shuffle)) {
                    Examples batch = train.rows(rows);
                    net.fit(batch.features(), batch.classColumn());
                }
                losses.add(net.score(train.withClassColumn()));
            }
            int[] predicted = Classification.predict(net, test.features());
            outcomes.add(new Outcome(c, losses,
                    Classification.recallPerClass(predicted, test.classes(), CLASS_SHARE.length),
                    Classification.accuracy(predicted, test.classes())));
        }

        out.println();
        out.println("Mean training loss (each network's own loss, so the columns have different scales):");
        out.print("epoch");
        outcomes.forEach(o -> out.printf("  %12s", o.contender().label()));
        out.println();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            if (epoch == 1 || epoch % 5 == 0 || epoch == epochs) {
                out.printf("%5d", epoch);
                for (Outcome o : outcomes) {
                    out.printf("  %12.4f", o.trainLoss().get(epoch - 1));
                }
                out.println();
            }
        }

        int[] counts = new int[CLASS_SHARE.length];
        for (int c : test.classes()) {
            counts[c]++;
        }
        out.println();
        out.println("Test set: recall per class (the fraction of each class's points classified as that class):");
        out.print("class  share  points");
        outcomes.forEach(o -> out.printf("  %12s", o.contender().label()));
        out.println();
        for (int c = 0; c < CLASS_SHARE.length; c++) {
            out.printf("%5d  %4.0f%%  %6d", c, CLASS_SHARE[c] * 100, counts[c]);
            for (Outcome o : outcomes) {
                out.printf("  %12.3f", o.recall()[c]);
            }
            out.println();
        }
        out.printf("%-20s", "macro-average recall");
        outcomes.forEach(o -> out.printf("  %12.3f", mean(o.recall())));
        out.println();
        out.printf("%-20s", "accuracy");
        outcomes.forEach(o -> out.printf("  %12.3f", o.accuracy()));
        out.println();
        return outcomes;
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

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
