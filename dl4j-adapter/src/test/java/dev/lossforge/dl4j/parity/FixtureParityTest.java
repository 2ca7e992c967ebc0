package dev.lossforge.dl4j.parity;

import dev.lossforge.LossBuilder;
import dev.lossforge.LossFunction;
import dev.lossforge.dl4j.Dl4jLosses;
import dev.lossforge.dl4j.fixtures.FixtureCrossEntropyLoss;
import dev.lossforge.dl4j.fixtures.FixtureMseLoss;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The PyTorch training runs for MSELoss and CrossEntropyLoss (dense and RNN), reproduced through the adapter
 * with the hand-written test fixtures instead of the generated torch losses: checks the adapter's scaling,
 * label handling, masks and the rank-3/4 paths against PyTorch independently of the torch catalog, so that a
 * bug in the generated losses cannot hide one in the adapter (TrainingParityTest runs the same cases on the
 * catalog).
 */
class FixtureParityTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static LossFunction fixture(ParityCase c) {
        LossBuilder b = switch (c.lossName()) {
            case "MSELoss" -> FixtureMseLoss.builder();
            case "CrossEntropyLoss" -> FixtureCrossEntropyLoss.builder();
            default -> throw new IllegalArgumentException("no fixture for " + c.lossName());
        };
        for (Map.Entry<String, Object> e : c.options().entrySet()) {
            b.set(e.getKey(), e.getValue());
        }
        return b.build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse_mean", "mse_sum", "cross_entropy_weight_ignore_mean", "cross_entropy_weight_ignore_sum",
            "rnn_cross_entropy_mean", "rnn_cross_entropy_weight_masked_mean", "cnn_cross_entropy_prob_mean", "cnn_mse_mean"})
    void multiLayerNetworkTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        MultiLayerNetwork net = c.multiLayerNetwork(Dl4jLosses.of(fixture(c)));
        c.trainAndCompare(net, net::fit);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mse_mean", "rnn_cross_entropy_weight_masked_mean", "cnn_cross_entropy_prob_mean"})
    void computationGraphTrainsAsPyTorch(String name) {
        ParityCase c = ParityCase.load(name);
        ComputationGraph net = c.computationGraph(Dl4jLosses.of(fixture(c)));
        c.trainAndCompare(net, net::fit);
    }
}
