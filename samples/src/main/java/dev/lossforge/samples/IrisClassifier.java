package dev.lossforge.samples;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.samples.Classification.Examples;
import dev.lossforge.torch.TorchLosses;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Trains a small classifier on the Iris flowers with LossForge's PyTorch-exact {@code CrossEntropyLoss}, and
 * the same network, from the same starting weights, with DL4J's closest built-in ({@code LossMCXENT} behind a
 * softmax). Prints a line per epoch, the final test accuracy, and draws both training curves to a PNG.
 *
 * <p>Run from the repository root: {@code mvn -q -pl samples -am package -DskipTests -Prun} (see samples/README.md).
 */
public final class IrisClassifier {
    static final long SEED = 42;
    static final int EPOCHS = 40;
    static final int BATCH_SIZE = 16;
    static final int HIDDEN = 16;
    static final double LEARNING_RATE = 0.01;
    static final double TEST_FRACTION = 0.2;
    static final String CHART_FILE = "iris-training-curves.png";

    /** Loss and accuracy of one network after one epoch. */
    public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy) {
    }

    /** Everything a run produced: the per-epoch history of both networks and where the chart went. */
    public record Result(List<EpochStats> lossForge, List<EpochStats> builtin, Path chart, int testSize) {
        public EpochStats lastLossForge() {
            return lossForge.get(lossForge.size() - 1);
        }

        public EpochStats lastBuiltin() {
            return builtin.get(builtin.size() - 1);
        }

        /** The largest difference between the two networks' training losses over all epochs. */
        public double largestTrainLossGap() {
            double gap = 0;
            for (int i = 0; i < lossForge.size(); i++) {
                gap = Math.max(gap, Math.abs(lossForge.get(i).trainLoss() - builtin.get(i).trainLoss()));
            }
            return gap;
        }
    }

    private IrisClassifier() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // XChart draws with AWT; there may be no display
        long start = System.nanoTime();
        Result result = run(EPOCHS, outputDirectory(), System.out);
        EpochStats lf = result.lastLossForge();
        EpochStats dl = result.lastBuiltin();
        int testSize = result.testSize();
        System.out.println();
        System.out.printf("Final test accuracy, LossForge CrossEntropyLoss: %.3f (%d/%d)%n",
                lf.testAccuracy(), Math.round(lf.testAccuracy() * testSize), testSize);
        System.out.printf("Final test accuracy, DL4J LossMCXENT + softmax:  %.3f (%d/%d)%n",
                dl.testAccuracy(), Math.round(dl.testAccuracy() * testSize), testSize);
        System.out.printf("Largest train-loss difference between the two over %d epochs: %.2e%n",
                result.lossForge().size(), result.largestTrainLossGap());
        System.out.println("Training curves: " + result.chart());
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * Trains both networks for {@code epochs} epochs, printing a line per epoch to {@code out}, and writes the
     * chart into {@code chartDirectory} (skipped when null).
     */
    public static Result run(int epochs, Path chartDirectory, PrintStream out) {
        IrisData.Split split = IrisData.split(IrisData.load(), TEST_FRACTION, SEED);
        Examples train = examples(split.train());
        Examples test = examples(split.test());
        out.printf("Iris: %d training and %d test flowers, 4 standardised features, 3 species%n", train.size(), test.size());

        // The loss under test: PyTorch's nn.CrossEntropyLoss() with its defaults (mean over the batch, logits in).
        LossFunction crossEntropy = TorchLosses.create("CrossEntropyLoss", Map.of());
        MultiLayerNetwork lossForgeNet = Classification.network(IrisData.FEATURES, HIDDEN, IrisData.SPECIES.length,
                Dl4jLosses.of(crossEntropy), Activation.IDENTITY, LEARNING_RATE, SEED, null);
        // The reference: the same architecture and starting weights, with DL4J's own softmax cross entropy.
        MultiLayerNetwork builtinNet = Classification.network(IrisData.FEATURES, HIDDEN, IrisData.SPECIES.length,
                new LossMCXENT(), Activation.SOFTMAX, LEARNING_RATE, SEED, lossForgeNet.params());

        List<EpochStats> lossForgeHistory = new ArrayList<>();
        List<EpochStats> builtinHistory = new ArrayList<>();
        Random shuffle = new Random(SEED);
        out.println();
        out.println("          LossForge CrossEntropyLoss (identity output)       | DL4J LossMCXENT (softmax output)");
        out.println("epoch   train loss  train acc   test loss  test acc         |  train loss  test acc");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            // Both networks see the same minibatches in the same order.
            for (int[] rows : Classification.shuffledBatches(train.size(), BATCH_SIZE, shuffle)) {
                Examples batch = train.rows(rows);
                lossForgeNet.fit(batch.features(), batch.classColumn());
                builtinNet.fit(batch.features(), batch.oneHot());
            }
            EpochStats lf = evaluate(epoch, lossForgeNet, train, test, true);
            EpochStats dl = evaluate(epoch, builtinNet, train, test, false);
            lossForgeHistory.add(lf);
            builtinHistory.add(dl);
            out.printf("%5d   %10.4f  %9.3f  %10.4f  %8.3f         |  %10.4f  %8.3f%n", epoch,
                    lf.trainLoss(), lf.trainAccuracy(), lf.testLoss(), lf.testAccuracy(), dl.trainLoss(), dl.testAccuracy());
        }

        Path chart = chartDirectory == null ? null
                : TrainingCurves.write(lossForgeHistory, builtinHistory, chartDirectory.resolve(CHART_FILE));
        return new Result(lossForgeHistory, builtinHistory, chart, test.size());
    }

    /** Mean loss (as the network's own loss computes it) and accuracy on both sets. */
    private static EpochStats evaluate(int epoch, MultiLayerNetwork net, Examples train, Examples test, boolean classIndexLabels) {
        double trainLoss = net.score(classIndexLabels ? train.withClassColumn() : train.withOneHot());
        double testLoss = net.score(classIndexLabels ? test.withClassColumn() : test.withOneHot());
        return new EpochStats(epoch,
                trainLoss, Classification.accuracy(Classification.predict(net, train.features()), train.classes()),
                testLoss, Classification.accuracy(Classification.predict(net, test.features()), test.classes()));
    }

    private static Examples examples(List<IrisData.Flower> flowers) {
        double[][] features = new double[flowers.size()][];
        int[] classes = new int[flowers.size()];
        for (int i = 0; i < flowers.size(); i++) {
            features[i] = flowers.get(i).features();
            classes[i] = flowers.get(i).species();
        }
        return Examples.of(features, classes, IrisData.SPECIES.length);
    }

    /**
     * Where the PNG goes: the module's target/ directory, which samples/pom.xml passes to {@code exec:java} as the
     * system property {@code lossforge.samples.outputDir}; else ./target (for a run from samples/ in an IDE).
     */
    static Path outputDirectory() {
        Path dir = Path.of(System.getProperty("lossforge.samples.outputDir", "target")).toAbsolutePath().normalize();
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + dir, e);
        }
    }
}
