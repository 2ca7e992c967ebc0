package dev.lossforge.samples;

import dev.lossforge.dl4j.Dl4jLosses;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binary segmentation with Dice + BCE: a small dense network learns to mark the pixels of one shape (a
 * rectangle or a disc) in noisy 12x12 images, trained with {@link DiceBceLoss}, declared with {@code @Loss} in
 * {@link SampleLosses}. Prints the training loss and the test set's intersection over union after each epoch.
 */
public final class SegmentationSample {
    static final long SEED = 16;
    static final int SIDE = 12;
    static final int PIXELS = SIDE * SIDE;
    static final int HIDDEN = 64;
    static final int EPOCHS = 15;
    static final int BATCH_SIZE = 32;
    static final double LEARNING_RATE = 0.005;
    static final double NOISE = 0.4;
    static final int TRAIN_SIZE = 800;
    static final int TEST_SIZE = 200;

    /** Images, one row of pixels each, with the true mask of each. */
    record Images(INDArray pixels, INDArray masks) {
        int size() {
            return (int) pixels.size(0);
        }

        Images rows(int[] rows) {
            return new Images(Nd4j.pullRows(pixels, 1, rows), Nd4j.pullRows(masks, 1, rows));
        }
    }

    private SegmentationSample() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        run(EPOCHS, System.out);
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /** Trains for {@code epochs} epochs, printing a line per epoch; returns the test IoU after each epoch. */
    static List<Double> run(int epochs, PrintStream out) {
        Random random = new Random(SEED);
        Images train = synthetic(TRAIN_SIZE, random);
        Images test = synthetic(TEST_SIZE, random);
        out.printf("Synthetic %dx%d images, one rectangle or disc each, Gaussian noise %.1f: %d training and %d test images%n",
                SIDE, SIDE, NOISE, train.size(), test.size());
        out.printf("Dense network %d -> %d (ReLU) -> %d pixel logits, Adam %.3f, loss DiceBceLoss (MONAI Dice + BCE with logits)%n",
                PIXELS, HIDDEN, PIXELS, LEARNING_RATE);
        MultiLayerNetwork net = Classification.network(PIXELS, HIDDEN, PIXELS, Dl4jLosses.of(DiceBceLoss.builder().build()),
                Activation.IDENTITY, LEARNING_RATE, SEED, null);
        out.println("epoch  train loss  test IoU");
        List<Double> iouPerEpoch = new ArrayList<>();
        Random shuffle = new Random(SEED);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (int[] rows : Classification.shuffledBatches(train.size(), BATCH_SIZE, shuffle)) {
                Images batch = train.rows(rows);
                net.fit(batch.pixels(), batch.masks());
            }
            double trainLoss = net.score(new org.nd4j.linalg.dataset.DataSet(train.pixels(), train.masks()));
            double iou = meanIou(net.output(test.pixels(), false), test.masks());
            iouPerEpoch.add(iou);
            out.printf("%5d  %10.4f  %8.3f%n", epoch, trainLoss, iou);
        }
        return iouPerEpoch;
    }

    /**
     * The mean over images of |predicted ∩ true| / |predicted ∪ true|, a pixel being predicted where its logit
     * is above 0 (its probability above 0.5); 1 for an image where both are empty.
     */
    static double meanIou(INDArray logits, INDArray masks) {
        double total = 0;
        for (int n = 0; n < logits.size(0); n++) {
            int intersection = 0;
            int union = 0;
            for (int s = 0; s < logits.size(1); s++) {
                boolean predicted = logits.getDouble(n, s) > 0;
                boolean actual = masks.getDouble(n, s) > 0.5;
                intersection += predicted && actual ? 1 : 0;
                union += predicted || actual ? 1 : 0;
            }
            total += union == 0 ? 1.0 : (double) intersection / union;
        }
        return total / logits.size(0);
    }

    /** {@code count} noisy images, each with one rectangle (3 to 7 pixels a side) or disc (radius 2 to 4). */
    static Images synthetic(int count, Random random) {
        float[][] pixels = new float[count][PIXELS];
        float[][] masks = new float[count][PIXELS];
        for (int n = 0; n < count; n++) {
            boolean disc = random.nextBoolean();
            int width = 3 + random.nextInt(5);
            int height = 3 + random.nextInt(5);
            int radius = 2 + random.nextInt(3);
            int left = random.nextInt(SIDE - (disc ? 2 * radius : width) + 1);
            int top = random.nextInt(SIDE - (disc ? 2 * radius : height) + 1);
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    boolean inside = disc
                            ? square(x + 0.5 - left - radius) + square(y + 0.5 - top - radius) <= radius * radius
                            : x >= left && x < left + width && y >= top && y < top + height;
                    masks[n][y * SIDE + x] = inside ? 1f : 0f;
                    pixels[n][y * SIDE + x] = (float) ((inside ? 1.0 : 0.0) + NOISE * random.nextGaussian());
                }
            }
        }
        return new Images(Nd4j.createFromArray(pixels).castTo(DataType.FLOAT), Nd4j.createFromArray(masks));
    }

    private static double square(double v) {
        return v * v;
    }
}
