package dev.lossforge.samples;

import dev.lossforge.dl4j.Dl4jLosses;
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
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Learns a 2-D embedding of the Iris flowers with PyTorch's {@code TripletMarginLoss}, in a DL4J
 * ComputationGraph whose three branches share their weights: the anchor, positive and negative batches are
 * stacked ({@code StackVertex}), embedded by the same two dense layers, unstacked ({@code UnstackVertex} ×3),
 * and merged side by side ({@code MergeVertex}) into the {@code [N, 3D]} = (anchor | positive | negative) output
 * that {@code Dl4jLosses.of(TripletMarginLoss)} expects. The labels are not used.
 *
 * <p>Each epoch, every training flower is an anchor once, with a random flower of its species as the positive
 * and a random flower of another species as the negative. It prints the triplet loss on the training triplets
 * and on fixed test triplets, and the accuracy of a nearest-centroid classifier in the embedding (centroids of the
 * training flowers' embeddings), then draws the curves and the test flowers' embedding to a PNG.
 *
 * <p>Run from the repository root:
 * {@code mvn -q -pl samples -am package -DskipTests -Prun -Dexec.mainClass=dev.lossforge.samples.TripletEmbeddingSample}
 */
public final class TripletEmbeddingSample {
    static final long SEED = 7;
    static final int EPOCHS = 30;
    static final int BATCH_SIZE = 16;
    static final int HIDDEN = 16;
    static final int EMBEDDING = 2;
    static final double MARGIN = 1.0;
    static final double LEARNING_RATE = 0.01;
    static final String CHART_FILE = "triplet-embedding.png";

    /** One epoch: mean triplet loss on the training and test triplets, nearest-centroid accuracy on both sets. */
    public record EpochStats(int epoch, double trainLoss, double testLoss, double trainAccuracy, double testAccuracy) {
    }

    /** The per-epoch history and where the chart went (null when none was asked for). */
    public record Result(List<EpochStats> history, Path chart) {
        public EpochStats last() {
            return history.get(history.size() - 1);
        }
    }

    private TripletEmbeddingSample() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true"); // XChart draws with AWT; there may be no display
        long start = System.nanoTime();
        Result result = run(EPOCHS, IrisClassifier.outputDirectory(), System.out);
        System.out.printf("%nFinal nearest-centroid test accuracy in the %d-D embedding: %.3f%n", EMBEDDING,
                result.last().testAccuracy());
        System.out.println("Curves and embedding: " + result.chart());
        System.out.printf("Done in %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /** The shared-weight triplet graph; the embedding is the output of layer "embed2" (its first N rows per branch). */
    static ComputationGraphConfiguration graph() {
        return new NeuralNetConfiguration.Builder().seed(SEED).dataType(DataType.FLOAT).updater(new Adam(LEARNING_RATE))
                .graphBuilder()
                .addInputs("anchor", "positive", "negative")
                .addVertex("stack", new StackVertex(), "anchor", "positive", "negative")
                .addLayer("embed1", new DenseLayer.Builder().nIn(IrisData.FEATURES).nOut(HIDDEN).activation(Activation.TANH).build(),
                        "stack")
                .addLayer("embed2", new DenseLayer.Builder().nIn(HIDDEN).nOut(EMBEDDING).activation(Activation.IDENTITY).build(),
                        "embed1")
                .addVertex("anchorEmbedding", new UnstackVertex(0, 3), "embed2")
                .addVertex("positiveEmbedding", new UnstackVertex(1, 3), "embed2")
                .addVertex("negativeEmbedding", new UnstackVertex(2, 3), "embed2")
                .addVertex("triplets", new MergeVertex(), "anchorEmbedding", "positiveEmbedding", "negativeEmbedding")
                .addLayer("loss", new LossLayer.Builder(Dl4jLosses.of(TorchLosses.create("TripletMarginLoss", Map.of("margin", MARGIN))))
                        .activation(Activation.IDENTITY).build(), "triplets")
                .setOutputs("loss")
                .build();
    }

    public static Result run(int epochs, Path chartDirectory, PrintStream out) {
        IrisData.Split split = IrisData.split(IrisData.load(), 0.2, SEED);
        List<IrisData.Flower> train = split.train();
        List<IrisData.Flower> test = split.test();
        ComputationGraph net = new ComputationGraph(graph());
        net.init();
        Random random = new Random(SEED);
        MultiDataSet testTriplets = triplets(test, allRows(test.size()), new Random(SEED + 1));
        out.printf("Iris: %d training and %d test flowers; embedding in %d dimensions with TripletMarginLoss(margin=%.1f)%n",
                train.size(), test.size(), EMBEDDING, MARGIN);
        out.println("epoch   train loss   test loss   train acc   test acc   (nearest centroid in the embedding)");
        List<EpochStats> history = new ArrayList<>();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            List<int[]> batches = Classification.shuffledBatches(train.size(), BATCH_SIZE, random);
            for (int[] anchors : batches) {
                net.fit(triplets(train, anchors, random));
            }
            double trainLoss = net.score(triplets(train, allRows(train.size()), random));
            double testLoss = net.score(testTriplets);
            INDArray trainEmbedding = embed(net, train);
            double[][] centroids = centroids(trainEmbedding, train);
            EpochStats stats = new EpochStats(epoch, trainLoss, testLoss, accuracy(trainEmbedding, train, centroids),
                    accuracy(embed(net, test), test, centroids));
            history.add(stats);
            out.printf("%5d   %10.4f  %10.4f   %9.3f  %9.3f%n", epoch, stats.trainLoss(), stats.testLoss(),
                    stats.trainAccuracy(), stats.testAccuracy());
        }
        Path chart = chartDirectory == null ? null : chart(history, embed(net, test), test, chartDirectory.resolve(CHART_FILE));
        return new Result(history, chart);
    }

    private static int[] allRows(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    /** Triplets with the given anchors: a random other flower of the same species, a random one of another. */
    static MultiDataSet triplets(List<IrisData.Flower> flowers, int[] anchors, Random random) {
        float[][] a = new float[anchors.length][];
        float[][] p = new float[anchors.length][];
        float[][] n = new float[anchors.length][];
        for (int i = 0; i < anchors.length; i++) {
            IrisData.Flower anchor = flowers.get(anchors[i]);
            IrisData.Flower positive;
            IrisData.Flower negative;
            do {
                positive = flowers.get(random.nextInt(flowers.size()));
            } while (positive == anchor || positive.species() != anchor.species());
            do {
                negative = flowers.get(random.nextInt(flowers.size()));
            } while (negative.species() == anchor.species());
            a[i] = toFloat(anchor.features());
            p[i] = toFloat(positive.features());
            n[i] = toFloat(negative.features());
        }
        // labels: not used by the loss, but DL4J wants an array with a row per example
        return new MultiDataSet(new INDArray[] {Nd4j.create(a), Nd4j.create(p), Nd4j.create(n)},
                new INDArray[] {Nd4j.zeros(DataType.FLOAT, anchors.length, 1)});
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** Each flower's embedding {@code [n, EMBEDDING]}: the graph run on the flowers as anchors (and as the rest). */
    static INDArray embed(ComputationGraph net, List<IrisData.Flower> flowers) {
        float[][] x = new float[flowers.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = toFloat(flowers.get(i).features());
        }
        INDArray features = Nd4j.create(x);
        INDArray stacked = net.feedForward(new INDArray[] {features, features, features}, false).get("embed2");
        return stacked.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, flowers.size()),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
    }

    private static double[][] centroids(INDArray embedding, List<IrisData.Flower> flowers) {
        double[][] sums = new double[IrisData.SPECIES.length][EMBEDDING];
        int[] counts = new int[IrisData.SPECIES.length];
        for (int i = 0; i < flowers.size(); i++) {
            int s = flowers.get(i).species();
            counts[s]++;
            for (int d = 0; d < EMBEDDING; d++) {
                sums[s][d] += embedding.getDouble(i, d);
            }
        }
        for (int s = 0; s < sums.length; s++) {
            for (int d = 0; d < EMBEDDING; d++) {
                sums[s][d] /= counts[s];
            }
        }
        return sums;
    }

    private static double accuracy(INDArray embedding, List<IrisData.Flower> flowers, double[][] centroids) {
        int correct = 0;
        for (int i = 0; i < flowers.size(); i++) {
            int best = -1;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int s = 0; s < centroids.length; s++) {
                double distance = 0;
                for (int d = 0; d < EMBEDDING; d++) {
                    double diff = embedding.getDouble(i, d) - centroids[s][d];
                    distance += diff * diff;
                }
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = s;
                }
            }
            correct += best == flowers.get(i).species() ? 1 : 0;
        }
        return (double) correct / flowers.size();
    }

    /** Loss and accuracy curves on the left, the test flowers in the learned 2-D embedding on the right. */
    private static Path chart(List<EpochStats> history, INDArray testEmbedding, List<IrisData.Flower> test, Path png) {
        double[] epochs = history.stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart curves = new XYChartBuilder().width(640).height(460).title("TripletMarginLoss on Iris (shared-weight graph)")
                .xAxisTitle("epoch").yAxisTitle("triplet loss / accuracy").build();
        curves.getStyler().setChartBackgroundColor(Color.WHITE);
        addLine(curves, "train loss", epochs, history.stream().mapToDouble(EpochStats::trainLoss).toArray());
        addLine(curves, "test loss", epochs, history.stream().mapToDouble(EpochStats::testLoss).toArray());
        addLine(curves, "test accuracy", epochs, history.stream().mapToDouble(EpochStats::testAccuracy).toArray());
        XYChart points = new XYChartBuilder().width(460).height(460).title("test flowers, embedded")
                .xAxisTitle("e1").yAxisTitle("e2").build();
        points.getStyler().setChartBackgroundColor(Color.WHITE);
        points.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        for (int s = 0; s < IrisData.SPECIES.length; s++) {
            List<double[]> of = new ArrayList<>();
            for (int i = 0; i < test.size(); i++) {
                if (test.get(i).species() == s) {
                    of.add(new double[] {testEmbedding.getDouble(i, 0), testEmbedding.getDouble(i, 1)});
                }
            }
            points.addSeries(IrisData.SPECIES[s], of.stream().mapToDouble(v -> v[0]).toArray(),
                    of.stream().mapToDouble(v -> v[1]).toArray());
        }
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(List.of(curves, points), 1, 2, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
        return png.toAbsolutePath().normalize();
    }

    private static void addLine(XYChart chart, String name, double[] x, double[] y) {
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
    }
}
