package dev.lossforge.samples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** What both samples share: a small classifier network, its labels in the two layouts, and accuracy and recall. */
final class Classification {
    private Classification() {
    }

    /**
     * A classification data set held two ways, because the two kinds of loss want different labels:
     * PyTorch-style class-index losses (LossForge's CrossEntropyLoss, FocalLoss) take an {@code [N, 1]} column
     * of class indices, DL4J's built-in LossMCXENT takes {@code [N, C]} one-hot rows.
     */
    record Examples(INDArray features, int[] classes, int classCount) {

        static Examples of(double[][] features, int[] classes, int classCount) {
            return new Examples(Nd4j.create(features).castTo(DataType.FLOAT), classes, classCount);
        }

        int size() {
            return classes.length;
        }

        /** {@code [N, 1]} float column of class indices. */
        INDArray classColumn() {
            INDArray column = Nd4j.create(DataType.FLOAT, classes.length, 1);
            for (int i = 0; i < classes.length; i++) {
                column.putScalar(i, 0, classes[i]);
            }
            return column;
        }

        /** {@code [N, C]} one-hot rows. */
        INDArray oneHot() {
            INDArray rows = Nd4j.zeros(DataType.FLOAT, classes.length, classCount);
            for (int i = 0; i < classes.length; i++) {
                rows.putScalar(i, classes[i], 1.0);
            }
            return rows;
        }

        /** The examples at {@code rows}, in that order (for a minibatch). */
        Examples rows(int[] rows) {
            int[] picked = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                picked[i] = classes[rows[i]];
            }
            return new Examples(features.getRows(rows), picked, classCount);
        }

        /** Class-index labels, as a DataSet for {@code net.score}. */
        DataSet withClassColumn() {
            return new DataSet(features, classColumn());
        }

        /** One-hot labels, as a DataSet for {@code net.score}. */
        DataSet withOneHot() {
            return new DataSet(features, oneHot());
        }
    }

    /**
     * {@code nIn -> hidden (ReLU) -> classes}, trained with Adam. The output activation goes with the loss:
     * IDENTITY for a LossForge loss that takes logits (as PyTorch's CrossEntropyLoss does), SOFTMAX for DL4J's
     * LossMCXENT, which takes probabilities.
     *
     * @param initialParams the flattened parameters to start from (copied), so that two networks with different
     *     losses start from the same point; null for a fresh seeded initialisation
     */
    static MultiLayerNetwork network(int nIn, int hidden, int classes, ILossFunction loss, Activation outputActivation,
            double learningRate, long seed, INDArray initialParams) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(learningRate))
                .list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).nIn(hidden).nOut(classes).activation(outputActivation).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        if (initialParams == null) {
            net.init();
        } else {
            net.init(initialParams.dup(), false);
        }
        return net;
    }

    /** The class with the largest output in each row (logits and probabilities rank classes the same way). */
    static int[] predict(MultiLayerNetwork net, INDArray features) {
        INDArray argmax = net.output(features, false).argMax(1);
        int[] predicted = new int[(int) argmax.length()];
        for (int i = 0; i < predicted.length; i++) {
            predicted[i] = argmax.getInt(i);
        }
        return predicted;
    }

    static double accuracy(int[] predicted, int[] actual) {
        int correct = 0;
        for (int i = 0; i < actual.length; i++) {
            if (predicted[i] == actual[i]) {
                correct++;
            }
        }
        return (double) correct / actual.length;
    }

    /** For each class, the fraction of its examples predicted as that class. */
    static double[] recallPerClass(int[] predicted, int[] actual, int classCount) {
        int[] hits = new int[classCount];
        int[] total = new int[classCount];
        for (int i = 0; i < actual.length; i++) {
            total[actual[i]]++;
            if (predicted[i] == actual[i]) {
                hits[actual[i]]++;
            }
        }
        double[] recall = new double[classCount];
        for (int c = 0; c < classCount; c++) {
            recall[c] = total[c] == 0 ? Double.NaN : (double) hits[c] / total[c];
        }
        return recall;
    }

    /** Splits a fresh permutation of {@code 0..n-1} into minibatches of at most {@code batchSize} rows. */
    static List<int[]> shuffledBatches(int n, int batchSize, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < n; from += batchSize) {
            batches.add(Arrays.copyOfRange(order, from, Math.min(n, from + batchSize)));
        }
        return batches;
    }
}
