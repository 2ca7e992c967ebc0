package dev.lossforge.spark;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** The small classifier every example and test trains, and how its accuracy is measured. */
public final class Networks {
    private Networks() {
    }

    /**
     * {@code nIn -> hidden (ReLU) -> classes}; the output activation is IDENTITY because LossForge's
     * CrossEntropyLoss and FocalLoss take logits, as PyTorch's do.
     */
    public static MultiLayerConfiguration classifier(int nIn, int hidden, int classes, ILossFunction loss,
            IUpdater updater, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).nIn(hidden).nOut(classes).activation(Activation.IDENTITY).build())
                .build();
    }

    public static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The fraction of examples whose largest output is their class. */
    public static double accuracy(MultiLayerNetwork net, Iris.Examples examples) {
        INDArray argmax = net.output(examples.featureMatrix(), false).argMax(1);
        int correct = 0;
        for (int i = 0; i < examples.size(); i++) {
            if (argmax.getInt(i) == examples.classes()[i]) {
                correct++;
            }
        }
        return (double) correct / examples.size();
    }
}
