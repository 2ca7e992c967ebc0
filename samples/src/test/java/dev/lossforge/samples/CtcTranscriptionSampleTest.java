package dev.lossforge.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** The CTC sample: its synthetic data is what it says, and a short run learns to transcribe. */
class CtcTranscriptionSampleTest {
    @TempDir
    Path chartDirectory;

    @Test
    void utterancesRenderTheirDigitsWithASilenceBetweenRepeats() {
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            CtcTranscriptionSample.Utterance u = CtcTranscriptionSample.utterance(random, 0.0); // noise-free
            // the loudest channel of each frame, runs merged, silence dropped: the digits again
            StringBuilder heard = new StringBuilder();
            int previous = -1;
            for (int t = 0; t < u.length(); t++) {
                int loudest = 0;
                for (int c = 1; c < CtcTranscriptionSample.CHANNELS; c++) {
                    loudest = u.frames()[c][t] > u.frames()[loudest][t] ? c : loudest;
                }
                if (loudest != previous && loudest != CtcTranscriptionSample.DIGITS) {
                    heard.append(loudest);
                }
                previous = loudest;
            }
            StringBuilder said = new StringBuilder();
            for (int d : u.digits()) {
                said.append(d);
            }
            assertTrue(u.digits().length >= 2 && u.digits().length <= CtcTranscriptionSample.MAX_DIGITS);
            assertEquals(said.toString(), heard.toString(), "a repeated digit needs a silence between its frames");
        }
        DataSet batch = CtcTranscriptionSample.batch(CtcTranscriptionSample.utterances(3, new Random(2)));
        assertEquals(3, batch.getLabels().size(0));
        assertArrayEquals(new long[] {3, CtcTranscriptionSample.MAX_DIGITS}, batch.getLabelsMaskArray().shape());
        assertEquals(batch.getFeatures().size(2), batch.getFeaturesMaskArray().size(1));
    }

    @Test
    void aShortRunLearns() throws Exception {
        // 3 epochs on 320 utterances, to keep the suite fast on a shared machine (those took 100 s here): the test loss
        // falls (3.14, 2.71, 2.42 in that run). The full run's transcription accuracy is in samples/README.md, and
        // SequenceLossLayerTest checks that CTC trains exactly as PyTorch.
        CtcTranscriptionSample.Result result = CtcTranscriptionSample.run(3, 320, chartDirectory,
                new PrintStream(OutputStream.nullOutputStream()));
        List<CtcTranscriptionSample.EpochStats> history = result.history();
        assertEquals(3, history.size());
        assertTrue(result.last().testLoss() < 0.85 * history.get(0).testLoss(),
                history.get(0).testLoss() + " -> " + result.last().testLoss());
        BufferedImage image = ImageIO.read(result.chart().toFile());
        assertNotNull(image, "the PNG is readable");
    }
}
