package dev.lossforge.samples;

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

/**
 * The Iris data set (Fisher, 1936; the UCI Machine Learning Repository copy), shipped as the classpath
 * resource {@code iris.csv}: 150 flowers, 4 measurements in cm, 3 species with 50 flowers each.
 */
final class IrisData {
    static final String[] SPECIES = {"Iris-setosa", "Iris-versicolor", "Iris-virginica"};
    static final int FEATURES = 4;

    /** One row: the four measurements and the species as a class index 0..2. */
    record Flower(double[] features, int species) {
    }

    /** A train/test split whose features are already standardised with the training set's statistics. */
    record Split(List<Flower> train, List<Flower> test) {
    }

    private IrisData() {
    }

    static List<Flower> load() {
        InputStream in = IrisData.class.getResourceAsStream("/iris.csv");
        if (in == null) {
            throw new IllegalStateException("iris.csv is not on the classpath (it lives in samples/src/main/resources)");
        }
        List<Flower> flowers = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.readLine(); // header
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                double[] features = new double[FEATURES];
                for (int i = 0; i < FEATURES; i++) {
                    features[i] = Double.parseDouble(cells[i]);
                }
                flowers.add(new Flower(features, speciesIndex(cells[FEATURES].trim())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return flowers;
    }

    private static int speciesIndex(String name) {
        for (int i = 0; i < SPECIES.length; i++) {
            if (SPECIES[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown species '" + name + "' in iris.csv");
    }

    /**
     * A stratified split: {@code testFraction} of each species goes to the test set, so both sets keep the
     * 1:1:1 balance (with 150 flowers and 0.2: 120 train, 30 test, 10 of each species). Then z-scores every
     * feature with the mean and standard deviation of the training set only, so that nothing about the test
     * set leaks into training.
     */
    static Split split(List<Flower> flowers, double testFraction, long seed) {
        Random random = new Random(seed);
        List<Flower> train = new ArrayList<>();
        List<Flower> test = new ArrayList<>();
        for (int species = 0; species < SPECIES.length; species++) {
            List<Flower> ofSpecies = new ArrayList<>();
            for (Flower f : flowers) {
                if (f.species() == species) {
                    ofSpecies.add(f);
                }
            }
            Collections.shuffle(ofSpecies, random);
            int testCount = (int) Math.round(ofSpecies.size() * testFraction);
            test.addAll(ofSpecies.subList(0, testCount));
            train.addAll(ofSpecies.subList(testCount, ofSpecies.size()));
        }

        double[] mean = new double[FEATURES];
        double[] std = new double[FEATURES];
        for (Flower f : train) {
            for (int i = 0; i < FEATURES; i++) {
                mean[i] += f.features()[i] / train.size();
            }
        }
        for (Flower f : train) {
            for (int i = 0; i < FEATURES; i++) {
                double d = f.features()[i] - mean[i];
                std[i] += d * d / train.size();
            }
        }
        for (int i = 0; i < FEATURES; i++) {
            std[i] = Math.sqrt(std[i]);
        }
        return new Split(standardise(train, mean, std), standardise(test, mean, std));
    }

    private static List<Flower> standardise(List<Flower> flowers, double[] mean, double[] std) {
        List<Flower> out = new ArrayList<>(flowers.size());
        for (Flower f : flowers) {
            double[] z = new double[FEATURES];
            for (int i = 0; i < FEATURES; i++) {
                z[i] = (f.features()[i] - mean[i]) / std[i];
            }
            out.add(new Flower(z, f.species()));
        }
        return out;
    }
}
