package dev.lossforge.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Iris data set (UCI copy, the classpath resource {@code iris.csv}: 150 flowers, 4 measurements, 3 species),
 * split per species into training and test flowers and standardised with the training set's statistics.
 * Labels are what PyTorch-style class-index losses take: an {@code [N, 1]} column of class indices.
 */
public final class Iris {
    public static final String[] SPECIES = {"Iris-setosa", "Iris-versicolor", "Iris-virginica"};
    public static final int FEATURES = 4;
    public static final int CLASSES = SPECIES.length;

    /** Standardised features {@code [n, 4]} (float) and class indices. */
    public record Examples(double[][] features, int[] classes) {
        public int size() {
            return classes.length;
        }

        public INDArray featureMatrix() {
            return Nd4j.create(features).castTo(DataType.FLOAT);
        }

        /** {@code [n, 1]} float column of class indices. */
        public INDArray classColumn() {
            INDArray column = Nd4j.create(DataType.FLOAT, classes.length, 1);
            for (int i = 0; i < classes.length; i++) {
                column.putScalar(i, 0, classes[i]);
            }
            return column;
        }

        public DataSet dataSet() {
            return new DataSet(featureMatrix(), classColumn());
        }

        /** The examples in a fresh random order, cut into minibatches of at most {@code batchSize}. */
        public List<DataSet> minibatches(int batchSize, Random random) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            List<DataSet> batches = new ArrayList<>();
            for (int start = 0; start < order.size(); start += batchSize) {
                int n = Math.min(batchSize, order.size() - start);
                double[][] f = new double[n][];
                int[] c = new int[n];
                for (int k = 0; k < n; k++) {
                    f[k] = features[order.get(start + k)];
                    c[k] = classes[order.get(start + k)];
                }
                batches.add(new Examples(f, c).dataSet());
            }
            return batches;
        }
    }

    /** Training and test examples. */
    public record Split(Examples train, Examples test) {
    }

    private Iris() {
    }

    /** {@code testFraction} of each species to the test set (0.2: 120 training flowers, 30 test flowers). */
    public static Split load(double testFraction, long seed) {
        List<double[]> rows = new ArrayList<>();
        List<Integer> species = new ArrayList<>();
        InputStream in = Iris.class.getResourceAsStream("/iris.csv");
        if (in == null) {
            throw new IllegalStateException("iris.csv is not on the classpath (spark/src/main/resources)");
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.readLine(); // header
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                double[] x = new double[FEATURES];
                for (int i = 0; i < FEATURES; i++) {
                    x[i] = Double.parseDouble(cells[i]);
                }
                rows.add(x);
                species.add(List.of(SPECIES).indexOf(cells[FEATURES].trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Random random = new Random(seed);
        List<Integer> trainIdx = new ArrayList<>();
        List<Integer> testIdx = new ArrayList<>();
        for (int s = 0; s < CLASSES; s++) {
            List<Integer> ofSpecies = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (species.get(i) == s) {
                    ofSpecies.add(i);
                }
            }
            Collections.shuffle(ofSpecies, random);
            int testCount = (int) Math.round(ofSpecies.size() * testFraction);
            testIdx.addAll(ofSpecies.subList(0, testCount));
            trainIdx.addAll(ofSpecies.subList(testCount, ofSpecies.size()));
        }
        double[] mean = new double[FEATURES];
        double[] std = new double[FEATURES];
        for (int i : trainIdx) {
            for (int j = 0; j < FEATURES; j++) {
                mean[j] += rows.get(i)[j] / trainIdx.size();
            }
        }
        for (int i : trainIdx) {
            for (int j = 0; j < FEATURES; j++) {
                double d = rows.get(i)[j] - mean[j];
                std[j] += d * d / trainIdx.size();
            }
        }
        for (int j = 0; j < FEATURES; j++) {
            std[j] = Math.sqrt(std[j]);
        }
        return new Split(standardised(rows, species, trainIdx, mean, std), standardised(rows, species, testIdx, mean, std));
    }

    private static Examples standardised(List<double[]> rows, List<Integer> species, List<Integer> idx, double[] mean,
            double[] std) {
        double[][] f = new double[idx.size()][FEATURES];
        int[] c = new int[idx.size()];
        for (int k = 0; k < idx.size(); k++) {
            for (int j = 0; j < FEATURES; j++) {
                f[k][j] = (rows.get(idx.get(k))[j] - mean[j]) / std[j];
            }
            c[k] = species.get(idx.get(k));
        }
        return new Examples(f, c);
    }
}
