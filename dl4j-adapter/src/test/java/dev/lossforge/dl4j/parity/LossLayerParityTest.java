package dev.lossforge.dl4j.parity;

import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The parameter-free loss layers against the same golden runs: an OutputLayer(W, b, activation) is a
 * DenseLayer(W, b, identity) followed by LossLayer(activation), and an RnnOutputLayer is a time-distributed
 * DenseLayer followed by RnnLossLayer. The layers are numbered as in the golden files, so the keys match.
 */
class LossLayerParityTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static NeuralNetConfiguration.ListBuilder list(ParityCase c) {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(7)
                .updater(new Sgd(c.json.get("lr").asDouble())).list();
    }

    private static Activation activation(String name) {
        return Activation.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse_mean", "cross_entropy_weight_ignore_sum", "bce_sigmoid_mean"})
    void lossLayerTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        ILossFunction loss = Dl4jLosses.of(TorchLosses.create(c.lossName(), c.options()));
        int nIn = c.json.get("n_in").asInt();
        int hidden = c.json.get("n_hidden").asInt();
        MultiLayerConfiguration conf = list(c)
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(activation(c.json.get("hidden_activation").asText())).build())
                .layer(new DenseLayer.Builder().nIn(hidden).nOut(c.json.get("n_out").asInt()).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(loss).activation(activation(c.json.get("output_activation").asText())).build())
                .build();
        train(c, conf);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_cross_entropy_mean", "rnn_cross_entropy_weight_masked_mean"})
    void rnnLossLayerTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        ILossFunction loss = Dl4jLosses.of(TorchLosses.create(c.lossName(), c.options()));
        DenseLayer perStep = new DenseLayer.Builder().nIn(c.json.get("n_in").asInt()).nOut(c.json.get("n_out").asInt())
                .activation(Activation.IDENTITY).build();
        MultiLayerConfiguration conf = list(c)
                .layer(new TimeDistributed(perStep, RNNFormat.NCW))
                .layer(new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).dataFormat(RNNFormat.NCW).build())
                .build();
        train(c, conf);
    }

    private static void train(ParityCase c, MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        c.setInitialParams(net);
        net.setListeners(Dl4jLosses.minibatchListener());
        c.trainAndCompare(net, net::fit);
    }
}
