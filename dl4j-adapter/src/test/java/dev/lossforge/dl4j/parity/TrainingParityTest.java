package dev.lossforge.dl4j.parity;

import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.torch.TorchLosses;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The acceptance test: each golden PyTorch run (tools/parity/gen_training_parity.py) reproduced by a DL4J
 * network using the generated torch losses through {@link Dl4jLosses#of}: 5 SGD steps, lr 0.1, float64;
 * every parameter and score() after every step within 1e-9 relative of PyTorch's.
 */
class TrainingParityTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** The catalog's loss; every case runs (the _prob_ cases too: CrossEntropyLoss takes probability targets). */
    static LossFunction torchLoss(ParityCase c) {
        return TorchLosses.create(c.lossName(), c.options());
    }

    static java.util.List<String> allCases() {
        return ParityCase.ALL;
    }

    @ParameterizedTest
    @MethodSource("allCases")
    void multiLayerNetworkTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(torchLoss(c)));
        c.trainAndCompare(net, net::fit);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse_mean", "cross_entropy_weight_ignore_sum", "rnn_cross_entropy_weight_masked_mean",
            "cnn_mse_mean", "cnn_cross_entropy_prob_mean"})
    void computationGraphTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        ComputationGraph net = c.computationGraph(Dl4jLosses.of(torchLoss(c)));
        c.trainAndCompare(net, net::fit);
    }

}
