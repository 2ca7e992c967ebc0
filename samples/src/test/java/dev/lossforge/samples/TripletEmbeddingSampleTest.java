package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The triplet-embedding sample learns an embedding in which the species separate, and draws it. */
class TripletEmbeddingSampleTest {
    @TempDir
    Path chartDirectory;

    @Test
    void theEmbeddingSeparatesTheSpecies() throws Exception {
        TripletEmbeddingSample.Result result = TripletEmbeddingSample.run(8, chartDirectory,
                new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(8, result.history().size());
        TripletEmbeddingSample.EpochStats first = result.history().get(0);
        TripletEmbeddingSample.EpochStats last = result.last();
        // chance is 1/3; the 30-epoch run reaches 0.967 (29/30)
        assertTrue(last.testAccuracy() >= 0.9, "test accuracy " + last.testAccuracy());
        assertTrue(last.testLoss() < first.testLoss(), "test triplet loss " + first.testLoss() + " -> " + last.testLoss());
        BufferedImage image = ImageIO.read(result.chart().toFile());
        assertNotNull(image, "the PNG is readable");
        assertTrue(image.getWidth() > 1000 && image.getHeight() > 400, image.getWidth() + "x" + image.getHeight());
    }

    @Test
    void theThreeBranchesShareOneSetOfWeights() {
        ComputationGraph net = new ComputationGraph(TripletEmbeddingSample.graph());
        net.init();
        // two dense layers, W and b each: no per-branch copies
        assertEquals(4, net.paramTable().size());
        assertEquals(4 * 16 + 16 + 16 * 2 + 2, net.numParams());
    }
}
