package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lossforge.samples.IrisClassifier.EpochStats;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IrisClassifierTest {
    @TempDir
    static Path chartDirectory;

    /** One full run (40 epochs, a few seconds), shared by the tests below. */
    private static IrisClassifier.Result result;

    @BeforeAll
    static void train() {
        System.setProperty("java.awt.headless", "true");
        result = IrisClassifier.run(IrisClassifier.EPOCHS, chartDirectory, new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void theShippedCsvIsTheFullIrisDataSet() {
        List<IrisData.Flower> flowers = IrisData.load();
        assertEquals(150, flowers.size());
        int[] perSpecies = new int[3];
        flowers.forEach(f -> perSpecies[f.species()]++);
        assertArrayEquals(new int[] {50, 50, 50}, perSpecies);
    }

    @Test
    void theSplitIsStratifiedAndStandardisedOnTheTrainingSet() {
        IrisData.Split split = IrisData.split(IrisData.load(), 0.2, IrisClassifier.SEED);
        assertEquals(120, split.train().size());
        assertEquals(30, split.test().size());
        int[] testPerSpecies = new int[3];
        split.test().forEach(f -> testPerSpecies[f.species()]++);
        assertArrayEquals(new int[] {10, 10, 10}, testPerSpecies);
        for (int i = 0; i < IrisData.FEATURES; i++) {
            final int feature = i;
            double mean = split.train().stream().mapToDouble(f -> f.features()[feature]).average().orElseThrow();
            double meanSquare = split.train().stream().mapToDouble(f -> f.features()[feature] * f.features()[feature]).average().orElseThrow();
            assertEquals(0.0, mean, 1e-9, "feature " + i + " mean");
            assertEquals(1.0, meanSquare - mean * mean, 1e-9, "feature " + i + " variance");
        }
    }

    @Test
    void learnsToClassifyTheTestFlowers() {
        EpochStats last = result.lastLossForge();
        // Chance is 1/3. The run reaches 27/30 on the held-out flowers; 0.85 (26/30) leaves one flower of slack.
        assertTrue(last.testAccuracy() >= 0.85, "test accuracy " + last.testAccuracy());
        assertTrue(last.trainAccuracy() >= 0.95, "train accuracy " + last.trainAccuracy());
        double first = result.lossForge().get(0).trainLoss();
        assertTrue(last.trainLoss() < first / 5, "train loss went from " + first + " to " + last.trainLoss());
    }

    @Test
    void lossForgeCrossEntropyTrainsExactlyAsDl4jsOwnSoftmaxCrossEntropy() {
        // Same start, same batches, and mathematically the same gradient (softmax(z) - onehot): the two runs may
        // differ only by float rounding.
        assertTrue(result.largestTrainLossGap() < 1e-4, "largest gap " + result.largestTrainLossGap());
        for (int i = 0; i < result.lossForge().size(); i++) {
            assertEquals(result.builtin().get(i).testLoss(), result.lossForge().get(i).testLoss(), 1e-4, "epoch " + (i + 1));
        }
        assertEquals(result.lastBuiltin().testAccuracy(), result.lastLossForge().testAccuracy());
    }

    @Test
    void drawsTheTrainingCurvesAsAPng() throws Exception {
        Path png = result.chart();
        assertNotNull(png);
        assertTrue(Files.size(png) > 10_000, "suspiciously small PNG: " + Files.size(png) + " bytes");
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " is not a readable image");
        assertTrue(image.getWidth() > image.getHeight(), "two charts side by side, got " + image.getWidth() + "x" + image.getHeight());
    }
}
