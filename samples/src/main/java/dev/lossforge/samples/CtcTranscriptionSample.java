package dev.lossforge.samples;

import dev.lossforge.dl4j.ActivationLogSoftmax;
import dev.lossforge.dl4j.SequenceLossLayer;
import dev.lossforge.torch.TorchLosses;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A small LSTM learns to transcribe sequences with PyTorch's {@code CTCLoss}, in DL4J, through
 * {@link SequenceLossLayer}: no alignment between frames and characters is given, only the digit string.
 *
 * <p>The data: digit strings of 2 to 5 digits, where a digit often repeats the one before ("3 3 7"). Each digit is
 * rendered as 1 to 3 frames of a noisy one-hot vector over 11 channels (10 digits and "silence"); digits are
 * separated by 0 to 2 silence frames, and by at least one when a digit repeats, else "33" could not be told from "3".
 * Sequences therefore have different lengths: the features mask gives CTC its input lengths, the labels mask its
 * target lengths. The network: LSTM(11 → 48) → Dense(48 → 11) per step → log-softmax → CTC (blank = class 0,
 * digit d = class d + 1). Each epoch it prints the mean CTC loss and the greedy-decoding accuracy (best class per
 * frame, repeats merged, blanks dropped, whole string right) on training and test sequences, and it draws the
 * curves to a PNG.
 *
 * <p>Run from the repository root:
 * {@code mvn -q -pl samples -am package -DskipTests -Prun -Dexec.mainClass=dev.lossforge.samples.CtcTranscriptionSample}
 */
public final class CtcTranscriptionSample {
    static final long SEED = 11;
    static final int DIGITS = 10;
    static final int CHANNELS = DIGITS + 1; // the last channel is silence
    static final int CLASSES = DIGITS + 1;  // class 0 is CTC's blank
    static final int MAX_DIGITS = 5;
    static final int HIDDEN = 48;
    static final int TRAIN = 800;
    static final int TEST = 200;
    static final int BATCH_SIZE = 32;
    static final int EPOCHS = 20;
    static final double NOISE = 0.3;
    static final double LEARNING_RATE = 0.01;
    static final String CHART_FILE = "ctc-transcription.png";

    /** One synthetic utterance: its frames {@code [CHANNELS][frames]} and the digits they render. */
    record Utterance(float[][] frames, int[] digits) {
        int length() {
            return frames[0].length;
        }
    }

    /** One epoch: mean CTC loss and greedy-decoding accuracy (whole strings) on both sets. */
    public record EpochStats(int epoch, double trainLoss, double testLoss, double trainAccuracy, double testAccuracy) {
    }

    public record Result(List<EpochStats> history, Path chart, List<String> examples) {
        public EpochStats last() {
            return history.get(history.size() - 1);
        }
    }

    private CtcTranscriptionSample() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // XChart draws with AWT; there may be no display
        long start = System.nanoTime();
        Result result = run(EPOCHS, IrisClassifier.outputDirectory(), System.out);
        System.out.println();
        System.out.println("Some test utterances, greedy-decoded:");
        result.examples().forEach(line -> System.out.println("  " + line));
        System.out.printf("%nFinal test accuracy (whole digit strings): %.3f%n", result.last().testAccuracy());
        System.out.println("Curves: " + result.chart());
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    static MultiLayerConfiguration network() {
        return new NeuralNetConfiguration.Builder().seed(SEED).dataType(DataType.FLOAT).updater(new Adam(LEARNING_RATE)).list()
                .layer(new LSTM.Builder().nIn(CHANNELS).nOut(HIDDEN).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(HIDDEN).nOut(CLASSES).activation(Activation.IDENTITY).build())
                .layer(new SequenceLossLayer.Builder(TorchLosses.create("CTCLoss", Map.of("blank", 0, "zero_infinity", true)))
                        .activation(new ActivationLogSoftmax()).build())
                .setInputType(InputType.recurrent(CHANNELS, RNNFormat.NCW))
                .build();
    }

    public static Result run(int epochs, Path chartDirectory, PrintStream out) {
        return run(epochs, TRAIN, chartDirectory, out);
    }

    /** The same with {@code trainSize} training utterances (the test set stays {@value #TEST}). */
    public static Result run(int epochs, int trainSize, Path chartDirectory, PrintStream out) {
        Random random = new Random(SEED);
        List<Utterance> train = utterances(trainSize, random);
        List<Utterance> test = utterances(TEST, random);
        DataSet testSet = batch(test);
        MultiLayerNetwork net = new MultiLayerNetwork(network());
        net.init();
        out.printf("%d training and %d test utterances of 2 to %d digits, %d to %d frames each%n", trainSize, TEST, MAX_DIGITS,
                minLength(train), maxLength(train));
        out.println("epoch   train loss   test loss   train acc   test acc   (greedy decoding, whole strings)");
        List<EpochStats> history = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            java.util.Collections.shuffle(train, random);
            for (int from = 0; from < train.size(); from += BATCH_SIZE) {
                net.fit(batch(train.subList(from, Math.min(from + BATCH_SIZE, train.size()))));
            }
            DataSet trainSet = batch(train);
            EpochStats stats = new EpochStats(epoch, net.score(trainSet), net.score(testSet),
                    accuracy(net, trainSet, train), accuracy(net, testSet, test));
            history.add(stats);
            out.printf("%5d   %10.4f  %10.4f   %9.3f  %9.3f%n", epoch, stats.trainLoss(), stats.testLoss(),
                    stats.trainAccuracy(), stats.testAccuracy());
        }
        List<String> examples = new ArrayList<>();
        List<int[]> decoded = decode(net, testSet);
        for (int i = 0; i < 6; i++) {
            examples.add(String.format("%-10s -> %-10s (%d frames)", digits(test.get(i).digits()), digits(decoded.get(i)),
                    test.get(i).length()));
        }
        Path chart = chartDirectory == null ? null : chart(history, chartDirectory.resolve(CHART_FILE));
        return new Result(history, chart, examples);
    }

    // ---------------------------------------------------------------- data

    static List<Utterance> utterances(int count, Random random) {
        List<Utterance> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(utterance(random));
        }
        return list;
    }

    /** Digits with frequent repeats, rendered as noisy one-hot frames with silences of random length between them. */
    static Utterance utterance(Random random) {
        return utterance(random, NOISE);
    }

    static Utterance utterance(Random random, double noise) {
        int[] digits = new int[2 + random.nextInt(MAX_DIGITS - 1)];
        for (int i = 0; i < digits.length; i++) {
            digits[i] = i > 0 && random.nextDouble() < 0.35 ? digits[i - 1] : random.nextInt(DIGITS);
        }
        List<Integer> channels = new ArrayList<>();
        addFrames(channels, DIGITS, random.nextInt(2)); // leading silence
        for (int i = 0; i < digits.length; i++) {
            if (i > 0) {
                boolean repeat = digits[i] == digits[i - 1];
                addFrames(channels, DIGITS, (repeat ? 1 : 0) + random.nextInt(2));
            }
            addFrames(channels, digits[i], 1 + random.nextInt(3));
        }
        addFrames(channels, DIGITS, random.nextInt(2)); // trailing silence
        float[][] frames = new float[CHANNELS][channels.size()];
        for (int t = 0; t < channels.size(); t++) {
            for (int c = 0; c < CHANNELS; c++) {
                frames[c][t] = (float) ((c == channels.get(t) ? 1.0 : 0.0) + noise * random.nextGaussian());
            }
        }
        return new Utterance(frames, digits);
    }

    private static void addFrames(List<Integer> channels, int channel, int count) {
        for (int i = 0; i < count; i++) {
            channels.add(channel);
        }
    }

    /**
     * Features {@code [N, CHANNELS, T]} padded to the longest utterance, with its features mask {@code [N, T]} (the
     * input lengths); labels {@code [N, MAX_DIGITS]} as classes (digit + 1) padded with 0, with their mask (the
     * target lengths).
     */
    static DataSet batch(List<Utterance> utterances) {
        int n = utterances.size();
        int t = maxLength(utterances);
        INDArray features = Nd4j.zeros(DataType.FLOAT, n, CHANNELS, t);
        INDArray featuresMask = Nd4j.zeros(DataType.FLOAT, n, t);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, MAX_DIGITS);
        INDArray labelsMask = Nd4j.zeros(DataType.FLOAT, n, MAX_DIGITS);
        for (int i = 0; i < n; i++) {
            Utterance u = utterances.get(i);
            for (int step = 0; step < u.length(); step++) {
                for (int c = 0; c < CHANNELS; c++) {
                    features.putScalar(new long[] {i, c, step}, u.frames()[c][step]);
                }
                featuresMask.putScalar(i, step, 1.0);
            }
            for (int k = 0; k < u.digits().length; k++) {
                labels.putScalar(i, k, u.digits()[k] + 1);
                labelsMask.putScalar(i, k, 1.0);
            }
        }
        return new DataSet(features, labels, featuresMask, labelsMask);
    }

    private static int maxLength(List<Utterance> utterances) {
        return utterances.stream().mapToInt(Utterance::length).max().orElse(0);
    }

    private static int minLength(List<Utterance> utterances) {
        return utterances.stream().mapToInt(Utterance::length).min().orElse(0);
    }

    // ---------------------------------------------------------------- decoding

    /** Greedy CTC decoding: the best class of each frame inside the sequence, repeats merged, blanks dropped. */
    static List<int[]> decode(MultiLayerNetwork net, DataSet set) {
        INDArray logProbs = net.output(set.getFeatures(), false, set.getFeaturesMaskArray(), null);
        INDArray best = logProbs.argMax(1); // [N, T]
        List<int[]> decoded = new ArrayList<>();
        for (int i = 0; i < best.size(0); i++) {
            List<Integer> digits = new ArrayList<>();
            int previous = 0;
            for (int step = 0; step < best.size(1) && set.getFeaturesMaskArray().getDouble(i, step) > 0; step++) {
                int cls = best.getInt(i, step);
                if (cls != 0 && cls != previous) {
                    digits.add(cls - 1);
                }
                previous = cls;
            }
            decoded.add(digits.stream().mapToInt(Integer::intValue).toArray());
        }
        return decoded;
    }

    static double accuracy(MultiLayerNetwork net, DataSet set, List<Utterance> utterances) {
        List<int[]> decoded = decode(net, set);
        int right = 0;
        for (int i = 0; i < utterances.size(); i++) {
            right += java.util.Arrays.equals(decoded.get(i), utterances.get(i).digits()) ? 1 : 0;
        }
        return (double) right / utterances.size();
    }

    private static String digits(int[] digits) {
        StringBuilder sb = new StringBuilder();
        for (int d : digits) {
            sb.append(d);
        }
        return sb.length() == 0 ? "(nothing)" : sb.toString();
    }

    private static Path chart(List<EpochStats> history, Path png) {
        double[] epochs = history.stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(560).height(420).title("CTCLoss (SequenceLossLayer)").xAxisTitle("epoch")
                .yAxisTitle("mean CTC loss").build();
        XYChart accuracy = new XYChartBuilder().width(560).height(420).title("greedy decoding, whole strings")
                .xAxisTitle("epoch").yAxisTitle("accuracy").build();
        for (XYChart chart : List.of(loss, accuracy)) {
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
        }
        accuracy.getStyler().setYAxisMin(0.0);
        accuracy.getStyler().setYAxisMax(1.0);
        loss.addSeries("train", epochs, history.stream().mapToDouble(EpochStats::trainLoss).toArray()).setMarker(SeriesMarkers.NONE);
        loss.addSeries("test", epochs, history.stream().mapToDouble(EpochStats::testLoss).toArray()).setMarker(SeriesMarkers.NONE);
        accuracy.addSeries("train", epochs, history.stream().mapToDouble(EpochStats::trainAccuracy).toArray()).setMarker(SeriesMarkers.NONE);
        accuracy.addSeries("test", epochs, history.stream().mapToDouble(EpochStats::testAccuracy).toArray()).setMarker(SeriesMarkers.NONE);
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(List.of(loss, accuracy), 1, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
        return png.toAbsolutePath().normalize();
    }
}
